"""Checks of docker-compose.yml: the Compose Specification schema, then evroam's own rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # types-jsonschema is not a dev dependency
import yaml
from check_jsonschema.builtin_schemas import (  # type: ignore[import-untyped]
    get_builtin_schema,
)
from deploy_contract import OCPP_PORT, SERVICES

COMPOSE_FILE = Path("docker-compose.yml")
Service = Mapping[str, Any]


def compose_schema_problems(doc: object) -> list[str]:
    """Errors against the compose-spec JSON schema that check-jsonschema ships."""
    schema = get_builtin_schema("vendor.compose-spec")
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [
        f"schema: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors
    ]


def _depends_on(service: Service) -> dict[str, str]:
    """depends_on as {service: condition}, whichever of its two forms is used."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def _words(value: object) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _env(service: Service) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def _builds(service: Service) -> str | None:
    build = service.get("build")
    return build.get("args", {}).get("SERVICE") if isinstance(build, Mapping) else None


def _graph_problems(services: Mapping[str, Service]) -> list[str]:
    problems = [
        f"{name}: depends on unknown service {target}"
        for name, service in services.items()
        for target in _depends_on(service)
        if target not in services
    ]
    try:
        TopologicalSorter({n: set(_depends_on(s)) for n, s in services.items()}).prepare()
    except CycleError as error:
        problems.append(f"depends_on has a cycle: {error.args[1]}")
    return problems


def _one_shots(services: Mapping[str, Service]) -> set[str]:
    return {
        target
        for service in services.values()
        for target, condition in _depends_on(service).items()
        if condition == "service_completed_successfully"
    }


def _healthcheck_problems(services: Mapping[str, Service]) -> list[str]:
    one_shots = _one_shots(services)
    problems = []
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        if name in one_shots:
            if str(service.get("restart", "no")) != "no":
                problems.append(f'{name}: a one-shot must not restart (restart: "no")')
        elif check.get("disable") or not check.get("test"):
            problems.append(f"{name}: a long-running container needs a healthcheck")
    return problems


def _infra_problems(services: Mapping[str, Service], doc: Mapping[str, Any]) -> list[str]:
    problems = []
    kafka = services.get("kafka", {})
    if not str(kafka.get("image", "")).startswith("apache/kafka:") or "controller" not in _env(
        kafka
    ).get("KAFKA_PROCESS_ROLES", ""):
        problems.append("kafka: must be apache/kafka in KRaft mode (KAFKA_PROCESS_ROLES)")
    if not str(services.get("postgres", {}).get("image", "")).startswith("postgres:17"):
        problems.append("postgres: must be PostgreSQL 17")
    init_sql = " ".join(
        str(config.get("content", "")) for config in (doc.get("configs") or {}).values()
    )
    problems += [
        f"postgres: no init script creates database evroam_{svc}"
        for svc in SERVICES
        if f"CREATE DATABASE evroam_{svc};" not in init_sql
    ]
    if not str(services.get("otel-collector", {}).get("image", "")).startswith(
        "otel/opentelemetry-collector-contrib:"
    ):
        problems.append("otel-collector: must run otel/opentelemetry-collector-contrib")
    if not any(
        str(port).endswith("16686:16686") for port in services.get("jaeger", {}).get("ports", [])
    ):
        problems.append("jaeger: the UI port 16686 must be published")
    topic_inits = [n for n, s in services.items() if "create-topics.sh" in _words(s.get("command"))]
    if len(topic_inits) != 1:
        problems.append(f"want one topic-init container running create-topics.sh, {topic_inits}")
    elif _depends_on(services[topic_inits[0]]).get("kafka") != "service_healthy":
        problems.append(f"{topic_inits[0]}: must wait for kafka to be healthy")
    return problems


def _service_env_problems(svc: str, port: int, service: Service) -> list[str]:
    env, up = _env(service), svc.upper()
    wanted: dict[str, Callable[[str], bool]] = {
        f"EVROAM_{up}_DATABASE_URL": lambda v: (
            "@postgres:5432/" in v and v.endswith(f"/evroam_{svc}")
        ),
        f"EVROAM_{up}_KAFKA_BOOTSTRAP_SERVERS": lambda v: v == "kafka:9092",
        f"EVROAM_{up}_HTTP_HOST": lambda v: v == "0.0.0.0",
        f"EVROAM_{up}_HTTP_PORT": lambda v: v == str(port),
        f"EVROAM_{up}_ADMIN_TOKEN": bool,
        "OTEL_EXPORTER_OTLP_ENDPOINT": lambda v: v.startswith("http://otel-collector:4318"),
    }
    return [
        f"{svc}: environment {key} missing or wrong ({env.get(key)!r})"
        for key, ok in wanted.items()
        if not ok(env.get(key, ""))
    ]


def _service_problems(svc: str, port: int, services: Mapping[str, Service]) -> list[str]:
    builders = [name for name, s in services.items() if _builds(s) == svc]
    one_shots = _one_shots(services)
    running = [name for name in builders if name not in one_shots]
    if running != [svc]:
        return [
            f"{svc}: want exactly one long-running container built with SERVICE={svc}, "
            f"found {running}"
        ]
    service = services[svc]
    problems = _service_env_problems(svc, port, service)
    if service["build"].get("dockerfile") != "infra/Dockerfile":
        problems.append(f"{svc}: must be built from infra/Dockerfile")
    if f"127.0.0.1:{port}/healthz" not in _words((service.get("healthcheck") or {}).get("test")):
        problems.append(f"{svc}: the healthcheck must GET /healthz on port {port}")
    published = [str(p) for p in service.get("ports", [])]
    for wanted in [port, OCPP_PORT] if svc == "gateway" else [port]:
        if not any(p.endswith(f"{wanted}:{wanted}") for p in published):
            problems.append(f"{svc}: port {wanted} must be published")
    depends = _depends_on(service)
    migrations = [
        name
        for name in builders
        if name in one_shots and services[name].get("command") == ["migrate"]
    ]
    if not migrations or any(
        depends.get(m) != "service_completed_successfully" for m in migrations
    ):
        problems.append(f"{svc}: must start after its migrate one-shot completed successfully")
    problems += [
        f"{m}: must wait for postgres to be healthy"
        for m in migrations
        if _depends_on(services[m]).get("postgres") != "service_healthy"
    ]
    topic_inits = [n for n in one_shots if "create-topics.sh" in _words(services[n].get("command"))]
    if not topic_inits or depends.get(topic_inits[0]) != "service_completed_successfully":
        problems.append(f"{svc}: must start after the topics are created")
    if (service.get("deploy") or {}).get("replicas", 1) != 1 or service.get("scale", 1) != 1:
        problems.append(f"{svc}: compose runs one container per service")
    return problems


def compose_rule_problems(doc: Mapping[str, Any], root: Path) -> list[str]:
    services: Mapping[str, Service] = doc.get("services") or {}
    problems = _graph_problems(services) + _healthcheck_problems(services)
    problems += _infra_problems(services, doc)
    for svc, port in SERVICES.items():
        problems += _service_problems(svc, port, services)
    problems += [
        f"config {name}: file {config['file']} does not exist"
        for name, config in (doc.get("configs") or {}).items()
        if "file" in config and not (root / config["file"]).is_file()
    ]
    return problems


def check_compose(root: Path) -> list[str]:
    doc = yaml.safe_load((root / COMPOSE_FILE).read_text())
    problems = compose_schema_problems(doc)
    return problems or compose_rule_problems(doc, root)
