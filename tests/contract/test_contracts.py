"""Contract tests: a change that breaks a consumer fails here (ARCHITECTURE section 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from evroam_contracts import CATALOGUE, decode_payload
from evroam_contracts.catalogue import MESSAGES
from evroam_contracts.schemas import SCHEMA_DIR, file_name, incompatibilities, schema_of
from evroam_contracts.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "libs/contracts/samples"
PUBLISHED = sorted((SCHEMA_DIR / "published").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


@pytest.mark.parametrize("published", PUBLISHED, ids=lambda p: p.stem)
def test_the_current_schema_stays_compatible_with_what_was_published(published: Path) -> None:
    type_name, version = published.stem.rsplit(".v", 1)
    model = CATALOGUE.get(type_name)
    assert model is not None, f"{type_name} was published and must stay in the catalogue"
    if model.version != int(version):
        pytest.skip(f"{type_name} is now v{model.version}; v{version} decodes via upcasters")
    assert incompatibilities(_load(published), schema_of(model)) == []


@pytest.mark.parametrize("model", MESSAGES, ids=lambda m: m.type_name)
def test_every_message_is_published_and_its_current_schema_is_checked_in(model: Any) -> None:
    name = file_name(model.type_name, model.version)
    assert (SCHEMA_DIR / "published" / name).exists(), "run `make schemas` and commit"
    assert _load(SCHEMA_DIR / "current" / name) == json.loads(
        json.dumps(schema_of(model), sort_keys=True)
    ), "schemas/current is stale: run `make schemas` and commit"


@pytest.mark.parametrize("model", MESSAGES, ids=lambda m: m.type_name)
def test_every_message_has_a_golden_sample_that_still_decodes(model: Any) -> None:
    samples = sorted(SAMPLES.glob(f"{model.type_name}.v*.json"))
    assert samples, f"add a golden sample payload libs/contracts/samples/{model.type_name}.v1.json"
    for sample in samples:
        version = int(sample.stem.rsplit(".v", 1)[1])
        decoded = decode_payload(model.type_name, version, _load(sample))
        assert isinstance(decoded, model)


def test_the_topic_catalogue_names_every_topic_the_code_uses() -> None:
    catalogue = yaml.safe_load((ROOT / "infra/kafka/topics.yaml").read_text())
    names = {t["name"] for t in catalogue["topics"]}
    assert set(ALL_TOPICS) <= names, sorted(set(ALL_TOPICS) - names)


BASE = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "kwh": {"type": "number"},
        "status": {"enum": ["A", "B"], "type": "string"},
    },
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s["properties"].pop("kwh"), "/kwh: property removed"),
        (lambda s: s["required"].append("kwh"), "/kwh: new required property"),
        (lambda s: s["properties"]["kwh"].update(type="string"), "/kwh: type ['number'] became"),
        (lambda s: s["properties"]["status"].update(enum=["A"]), "enum values removed ['B']"),
    ],
)
def test_the_compatibility_check_flags_each_breaking_change(change: Any, problem: str) -> None:
    new = json.loads(json.dumps(BASE))
    change(new)
    found = incompatibilities(BASE, new)
    assert any(problem in p for p in found), found


def test_adding_an_optional_property_is_compatible() -> None:
    new = json.loads(json.dumps(BASE))
    new["properties"]["note"] = {"type": "string"}
    assert incompatibilities(BASE, new) == []
