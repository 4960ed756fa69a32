"""Each service is its own image, tagged with its own version (services/<svc>/pyproject.toml),
in docker-compose.yml and in the Kubernetes overlays."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from deploy_contract import REPO_ROOT, SERVICES
from deploy_images import (
    app_images,
    compose_image_problems,
    dev_runs_compose_builds,
    k8s_image_problems,
    service_version,
)
from deploy_k8s import TARGETS

TAGGED = [t.path for t in TARGETS if t.tagged_images]


def _cdr_app(objects: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "evroam-cdr"
    )
    app: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return app


def test_compose_builds_each_service_as_its_own_image_tagged_with_its_version(
    compose: dict[str, Any],
) -> None:
    assert compose_image_problems(compose, REPO_ROOT) == []


@pytest.mark.parametrize("target", TAGGED)
def test_each_overlay_runs_each_service_at_its_own_version(
    rendered: dict[str, list[dict[str, Any]]], target: str
) -> None:
    assert k8s_image_problems(target, rendered[target], REPO_ROOT) == []


def test_the_dev_overlay_runs_the_images_compose_builds(
    compose: dict[str, Any], rendered: dict[str, list[dict[str, Any]]]
) -> None:
    assert dev_runs_compose_builds(compose, rendered["k8s/overlays/dev"]) == []


def test_a_version_bump_without_the_manifests_is_reported(
    tmp_path: Path, compose: dict[str, Any], rendered: dict[str, list[dict[str, Any]]]
) -> None:
    for svc in SERVICES:
        (tmp_path / "services" / svc).mkdir(parents=True)
        shutil.copy(REPO_ROOT / f"services/{svc}/pyproject.toml", tmp_path / "services" / svc)
    manifest = tmp_path / "services/session/pyproject.toml"
    version = service_version(REPO_ROOT, "session")
    manifest.write_text(manifest.read_text().replace(f'version = "{version}"', 'version = "9.9.9"'))

    in_compose = compose_image_problems(compose, tmp_path)
    in_prod = k8s_image_problems("prod", rendered["k8s/overlays/prod"], tmp_path)

    assert [p.split(":")[0] for p in in_compose] == [
        "docker-compose.yml session",
        "docker-compose.yml session-migrate",
    ]
    assert len(in_prod) == 1
    assert "session's version 9.9.9" in in_prod[0]


@pytest.mark.parametrize(
    ("tag", "reported"),
    [("0.0.9", True), ("latest", True), ("{version}", False), ("{version}-rc.1", False)],
)
def test_a_prod_tag_must_be_the_service_version_or_a_build_of_it(
    rendered: dict[str, list[dict[str, Any]]], tag: str, reported: bool
) -> None:
    objects = copy.deepcopy(rendered["k8s/overlays/prod"])
    container = _cdr_app(objects)
    name = container["image"].rpartition(":")[0]
    container["image"] = f"{name}:{tag.format(version=service_version(REPO_ROOT, 'cdr'))}"

    assert bool(k8s_image_problems("prod", objects, REPO_ROOT)) is reported


def test_an_image_of_another_service_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = copy.deepcopy(rendered["k8s/overlays/prod"])
    images = app_images(objects)
    _cdr_app(objects)["image"] = images["billing"]

    assert any("is not evroam/cdr" in p for p in k8s_image_problems("prod", objects, REPO_ROOT))


def test_one_tag_variable_for_two_services_is_reported(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    version = service_version(REPO_ROOT, "cdr")
    broken["services"]["cdr"]["image"] = f"evroam/cdr:${{EVROAM_IMAGE_TAG_BILLING:-{version}}}"

    problems = compose_image_problems(broken, REPO_ROOT)

    assert problems == [
        "docker-compose.yml: image variable EVROAM_IMAGE_TAG_BILLING tags ['billing', 'cdr'] "
        "together"
    ]
