"""Checks that each service is released as its own image, tagged with its own version.

A service's version is `project.version` in services/<svc>/pyproject.toml. Its image is
`evroam/<svc>` (under a registry in prod) tagged `<version>`, or `<version>-<suffix>` for a
build between releases (`0.2.0-rc.1`, `0.2.0-3f2a1c9`). Bumping a version without the manifests,
or tagging one service with another's version, fails here."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from deploy_compose import COMPOSE_FILE
from deploy_contract import SERVICES
from deploy_env import interpolate
from deploy_k8s import Target, per_target

_VARIABLE = re.compile(r"\$\{(\w+)")


def service_version(root: Path, svc: str) -> str:
    project = tomllib.loads((root / "services" / svc / "pyproject.toml").read_text())["project"]
    return str(project["version"])


def _split(image: str) -> tuple[str, str]:
    name, _, tag = image.rpartition(":")
    return (name, tag) if name and "/" not in tag else (image, "")


def _tag_problem(where: str, svc: str, image: str, version: str) -> list[str]:
    name, tag = _split(image)
    problems = []
    if name != f"evroam/{svc}" and not name.endswith(f"/evroam/{svc}"):
        problems.append(f"{where}: image {image!r} is not evroam/{svc}")
    if tag != version and not tag.startswith(f"{version}-"):
        problems.append(
            f"{where}: image {image!r} is not tagged with {svc}'s version {version} "
            f"(services/{svc}/pyproject.toml)"
        )
    return problems


def compose_image_problems(doc: Mapping[str, Any], root: Path) -> list[str]:
    """Each service and its migrate one-shot run `evroam/<svc>:<its version>` by default, and
    no tag variable is shared by two services (setting it would move both)."""
    services: Mapping[str, Any] = doc.get("services") or {}
    problems: list[str] = []
    users: dict[str, set[str]] = {}
    for svc in SERVICES:
        version = service_version(root, svc)
        for name in (svc, f"{svc}-migrate"):
            raw = str((services.get(name) or {}).get("image", ""))
            problems += _tag_problem(f"{COMPOSE_FILE} {name}", svc, interpolate(raw), version)
            for variable in _VARIABLE.findall(raw):
                users.setdefault(variable, set()).add(svc)
    problems += [
        f"{COMPOSE_FILE}: image variable {variable} tags {sorted(svcs)} together"
        for variable, svcs in sorted(users.items())
        if len(svcs) > 1
    ]
    return problems


def app_images(objects: list[dict[str, Any]]) -> dict[str, str]:
    """service -> the image its Deployment runs."""
    return {
        obj["metadata"]["name"].removeprefix("evroam-"): obj["spec"]["template"]["spec"][
            "containers"
        ][0]["image"]
        for obj in objects
        if obj["kind"] == "Deployment"
    }


def k8s_image_problems(path: str, objects: list[dict[str, Any]], root: Path) -> list[str]:
    images = app_images(objects)
    return [
        problem
        for svc in SERVICES
        for problem in _tag_problem(
            f"{path} evroam-{svc}", svc, images.get(svc, ""), service_version(root, svc)
        )
    ]


def dev_runs_compose_builds(doc: Mapping[str, Any], dev_objects: list[dict[str, Any]]) -> list[str]:
    """The dev overlay runs the images `docker compose build` makes (k8s/overlays/dev)."""
    images = app_images(dev_objects)
    return [
        f"k8s/overlays/dev runs {images.get(svc)!r} for {svc}, compose builds {built!r}"
        for svc in SERVICES
        if (built := interpolate(str(doc["services"][svc].get("image", "")))) != images.get(svc)
    ]


def check_images(root: Path) -> list[str]:
    doc = yaml.safe_load((root / COMPOSE_FILE).read_text())

    def tagged(target: Target, objects: list[dict[str, Any]]) -> list[str]:
        if not target.tagged_images:
            return []
        problems = k8s_image_problems(target.path, objects, root)
        if target.path == "k8s/overlays/dev":
            problems += dev_runs_compose_builds(doc, objects)
        return problems

    return compose_image_problems(doc, root) + per_target(root, tagged)
