"""JSON Schemas of the catalogue and the backward-compatibility rule.

`schemas/current/` holds the schema of every message as the code defines it now;
`schemas/published/` holds each (type, version) as first published and is never rewritten.
A change is compatible with a published schema when an old payload still validates and an
old consumer still understands a new payload: no property removed, no type changed, no new
required property, no enum value removed.

Regenerate with `make schemas` (python -m evroam_contracts.schemas write).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evroam_contracts.catalogue import MESSAGES

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def schema_of(cls: Any) -> dict[str, Any]:
    schema: dict[str, Any] = cls.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:evroam:{cls.type_name}:v{cls.version}"
    return schema


def file_name(type_name: str, version: int) -> str:
    return f"{type_name}.v{version}.json"


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(root["$defs"][ref.removeprefix("#/$defs/")], root)
    return schema


def _types(schema: Mapping[str, Any], root: Mapping[str, Any]) -> set[str]:
    s = _resolve(schema, root)
    if "anyOf" in s:
        return set().union(*(_types(x, root) for x in s["anyOf"]))
    t = s.get("type")
    if isinstance(t, list):
        return set(t)
    return {t} if isinstance(t, str) else {"any"}


def incompatibilities(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    path: str = "",
    roots: tuple[Any, Any] | None = None,
) -> list[str]:
    """Every way in which `new` breaks producers or consumers written against `old`."""
    old_root, new_root = roots or (old, new)
    o, n = _resolve(old, old_root), _resolve(new, new_root)
    problems: list[str] = []
    if (ot := _types(o, old_root)) != {"any"} and not ot <= _types(n, new_root):
        problems.append(f"{path or '/'}: type {sorted(ot)} became {sorted(_types(n, new_root))}")
    if "enum" in o and not set(o["enum"]) <= set(n.get("enum", o["enum"])):
        problems.append(f"{path}: enum values removed {sorted(set(o['enum']) - set(n['enum']))}")
    o_props, n_props = o.get("properties", {}), n.get("properties", {})
    for name, sub in o_props.items():
        if name not in n_props:
            problems.append(f"{path}/{name}: property removed")
        else:
            problems += incompatibilities(
                sub, n_props[name], f"{path}/{name}", (old_root, new_root)
            )
    for name in set(n.get("required", ())) - set(o.get("required", ())):
        problems.append(f"{path}/{name}: new required property")
    for key in ("items", "additionalProperties"):
        if isinstance(o.get(key), dict) and isinstance(n.get(key), dict):
            problems += incompatibilities(o[key], n[key], f"{path}[]", (old_root, new_root))
    return problems


def write(schema_dir: Path = SCHEMA_DIR) -> list[Path]:
    """Write current schemas; publish a (type, version) the first time it is seen."""
    written = []
    for cls in MESSAGES:
        name = file_name(cls.type_name, cls.version)
        text = json.dumps(schema_of(cls), indent=2, sort_keys=True) + "\n"
        for sub in ("current", "published"):
            target = schema_dir / sub / name
            if sub == "published" and target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_text() != text:
                target.write_text(text)
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate and check the contract schemas.")
    parser.add_argument(
        "action", choices=["write"], help="write current (and new published) schemas"
    )
    parser.parse_args(argv)
    for path in write():
        print(f"wrote {path.relative_to(SCHEMA_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
