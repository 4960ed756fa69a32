"""The environment compose and Kubernetes give each service, checked against the settings
classes the services really have (imported from .venv)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from deploy_contract import REPO_ROOT
from deploy_env import compose_environments, interpolate, k8s_environments
from deploy_k8s import TARGETS
from deploy_settings import (
    DOCUMENTED,
    SETTINGS,
    compose_containers,
    documented_variable_problems,
    k8s_containers,
    parse,
    prefix_problems,
    settings_problems,
)

from evroam_tariff.settings import TariffSettings

PROD = "k8s/overlays/prod"


def _app(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """A Deployment's app container, to break it in place."""
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name
    )
    app: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return app


def _config(objects: list[dict[str, Any]], prefix: str) -> dict[str, str]:
    """The data of the generated ConfigMap whose name starts with `prefix` (kustomize adds a
    hash)."""
    config = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith(prefix)
    )
    data: dict[str, str] = config["data"]
    return data


# ------------------------------------------------------------------------ the files as they are


def test_every_settings_class_reads_its_own_service_prefix() -> None:
    assert prefix_problems() == []


def test_compose_gives_every_service_each_setting_it_needs_and_no_unknown_one(
    compose: dict[str, Any],
) -> None:
    assert settings_problems(compose_containers(compose)) == []


@pytest.mark.parametrize("target", [t.path for t in TARGETS])
def test_kubernetes_gives_every_service_each_setting_it_needs_and_no_unknown_one(
    rendered: dict[str, list[dict[str, Any]]], target: str
) -> None:
    assert settings_problems(k8s_containers(rendered[target])) == []


def test_the_deployment_docs_name_only_settings_that_exist() -> None:
    assert documented_variable_problems(REPO_ROOT) == []


# ------------------------------------------------------------------------ reading environments


def test_compose_values_are_read_with_their_interpolation_defaults() -> None:
    assert interpolate("postgresql://u:${PW:-dev}@db/${DB}?x=$$1") == "postgresql://u:dev@db/?x=$1"


def test_kubernetes_environments_resolve_config_maps_secrets_fields_and_expansions(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    env = k8s_environments(rendered["k8s/overlays/dev"])["evroam-gateway/app"]

    assert env["EVROAM_GATEWAY_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["EVROAM_GATEWAY_DATABASE_URL"].endswith("@postgres:5432/evroam_gateway")
    assert env["EVROAM_GATEWAY_ADVERTISED_URL"] == "http://10.0.0.1:8101"
    assert env["EVROAM_GATEWAY_OCPP_PORT"] == "9000"


def test_the_settings_are_read_from_the_manifest_only_not_from_the_checking_process(
    monkeypatch: pytest.MonkeyPatch, compose: dict[str, Any]
) -> None:
    monkeypatch.setenv("EVROAM_TARIFF_LOG_LEVEL", "DEBUG")
    env = compose_environments(compose)["tariff"]
    del env["EVROAM_TARIFF_LOG_LEVEL"]

    assert parse("tariff", env).log_level == "INFO"


# ------------------------------------------------------------------------ drift is reported


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EVROAM_SESSION_DEFAULT_CURENCY", "EUR"),  # a typo
        ("EVROAM_SESSION_OWN_PARTIES", "NL*EVR"),  # another service's setting
        ("SESSION_LOG_LEVEL", "DEBUG"),  # no prefix
    ],
)
def test_a_variable_the_service_does_not_read_is_reported(
    compose: dict[str, Any], name: str, value: str
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["session"]["environment"][name] = value

    assert any(name in p for p in settings_problems(compose_containers(broken)))


def test_a_setting_every_deployment_must_set_is_reported_when_missing(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = copy.deepcopy(rendered[PROD])
    app = _app(objects, "evroam-gateway")
    app["env"] = [v for v in app["env"] if v["name"] != "EVROAM_GATEWAY_ADVERTISED_URL"]

    problems = settings_problems(k8s_containers(objects))

    assert problems == ["gateway app: EVROAM_GATEWAY_ADVERTISED_URL is not set"]


def test_an_expansion_of_a_variable_defined_after_it_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = copy.deepcopy(rendered[PROD])
    app = _app(objects, "evroam-gateway")
    app["env"].sort(key=lambda var: var["name"] != "EVROAM_GATEWAY_ADVERTISED_URL")

    problems = settings_problems(k8s_containers(objects))

    assert problems == [
        "gateway app: EVROAM_GATEWAY_ADVERTISED_URL='http://$(POD_IP):8101' refers to a "
        "variable not defined before it"
    ]


def test_a_new_setting_without_a_default_is_reported_until_the_manifests_set_it(
    monkeypatch: pytest.MonkeyPatch, compose: dict[str, Any]
) -> None:
    class TariffWithKey(TariffSettings):
        signing_key: str

    monkeypatch.setitem(SETTINGS, "tariff", TariffWithKey)

    problems = settings_problems(compose_containers(compose))

    assert "tariff app: EVROAM_TARIFF_SIGNING_KEY is not set" in problems


def test_a_value_the_settings_class_refuses_is_reported(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["roaming"]["environment"]["EVROAM_ROAMING_PARTY_ID"] = "evroam"

    problems = settings_problems(compose_containers(broken))

    assert any(p.startswith("roaming app: EVROAM_ROAMING_PARTY_ID:") for p in problems)


@pytest.mark.parametrize("target", [t.path for t in TARGETS])
def test_a_roaming_party_that_billing_does_not_own_is_reported(
    rendered: dict[str, list[dict[str, Any]]], target: str
) -> None:
    objects = copy.deepcopy(rendered[target])
    _config(objects, "evroam-roaming-config")["EVROAM_ROAMING_PARTY_ID"] = "ABC"

    problems = settings_problems(k8s_containers(objects))

    assert any("is not among billing's own parties" in p for p in problems)


def test_issuer_details_must_be_those_of_the_own_parties(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["billing"]["environment"]["EVROAM_BILLING_ISSUER_DETAILS"] = (
        '{"nl*evr": "lower case is not how invoices look their issuer up"}'
    )

    problems = settings_problems(compose_containers(broken))

    assert any("issuer details for 'nl*evr'" in p for p in problems)
    assert any("NL*EVR has no issuer details" in p for p in problems)


def test_a_command_result_promised_before_the_station_may_answer_is_reported(
    compose: dict[str, Any],
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["roaming"]["environment"]["EVROAM_ROAMING_COMMAND_RESULT_TIMEOUT_S"] = 20

    problems = settings_problems(compose_containers(broken))

    assert any("roaming promises CommandResults within 20s" in p for p in problems)


def test_a_documented_variable_that_is_no_setting_is_reported(tmp_path: Path) -> None:
    for doc in DOCUMENTED:
        (tmp_path / doc).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / doc, tmp_path / doc)
    runtime = tmp_path / "docs/service-runtime.md"
    runtime.write_text(runtime.read_text() + "\n`EVROAM_GATEWAY_OCPP_TLS_CERT` is renamed.\n")

    assert documented_variable_problems(tmp_path) == [
        "docs/service-runtime.md: EVROAM_GATEWAY_OCPP_TLS_CERT is not a setting"
    ]
