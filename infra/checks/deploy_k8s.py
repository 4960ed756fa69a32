"""Checks of k8s/: every kustomization renders, every object is valid Kubernetes, and every
service has what it needs to be run and rolled out on its own."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]  # ships no py.typed
import yaml
from deploy_contract import AUTOSCALED, SERVICES, find_tool

# The oldest Kubernetes minor the manifests must be valid for (schemas: kubernetes-validate).
KUBERNETES_VERSION = "1.30"
Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Target:
    """A kustomization to render, and what its output must provide."""

    path: str
    tagged_images: bool  # overlays pin every service image to a tag
    secrets_rendered: bool  # dev generates its Secrets; prod's are created out of git


TARGETS = (
    Target("k8s/base", tagged_images=False, secrets_rendered=False),
    Target("k8s/overlays/dev", tagged_images=True, secrets_rendered=True),
    Target("k8s/overlays/prod", tagged_images=True, secrets_rendered=False),
)


class RenderError(RuntimeError):
    """kustomize refused to build a kustomization."""


def render(directory: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [find_tool("kubectl"), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RenderError(f"{directory}: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def per_target(root: Path, check: Callable[[Target, list[dict[str, Any]]], list[str]]) -> list[str]:
    """`check` over each target's rendered objects; a target kustomize refuses is a problem."""
    problems: list[str] = []
    for target in TARGETS:
        try:
            objects = render(root / target.path)
        except RenderError as error:
            problems.append(str(error))
            continue
        problems += check(target, objects)
    return problems


def _kustomization_files(kustomization: Path) -> Iterator[str]:
    spec = yaml.safe_load(kustomization.read_text()) or {}
    yield from spec.get("resources", [])
    for generator in spec.get("configMapGenerator", []) + spec.get("secretGenerator", []):
        yield from (entry.split("=", 1)[-1] for entry in generator.get("files", []))
        yield from generator.get("envs", [])
    yield from (patch["path"] for patch in spec.get("patches", []) if "path" in patch)


def kustomization_problems(root: Path) -> list[str]:
    """Every file a kustomization.yaml names exists (clearer than kustomize's own message)."""
    return [
        f"{k.relative_to(root)}: {name} does not exist"
        for k in sorted((root / "k8s").rglob("kustomization.yaml"))
        for name in _kustomization_files(k)
        if not (k.parent / name).exists()
    ]


def schema_problems(objects: list[dict[str, Any]]) -> list[str]:
    problems = []
    for obj in objects:
        where = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        if not (obj.get("apiVersion") and obj.get("kind") and obj.get("metadata", {}).get("name")):
            problems.append(f"{where}: needs apiVersion, kind and metadata.name")
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = "/".join(map(str, error.path))
            problems.append(f"{where}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{where}: {error.message}")
    return problems


def _subset(selector: Mapping[str, str] | None, labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in (selector or {}).items())


def _probe_problems(name: str, container: Obj) -> list[str]:
    ports = {p.get("name") for p in container.get("ports", [])} | {
        p["containerPort"] for p in container.get("ports", [])
    }
    problems = []
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        http = (container.get(probe) or {}).get("httpGet") or {}
        if http.get("path") != path or http.get("port") not in ports:
            problems.append(f"{name}: {probe} must GET {path} on a declared container port")
    return problems


def _container_problems(name: str, container: Obj) -> list[str]:
    where = f"{name}/{container.get('name')}"
    resources = container.get("resources") or {}
    problems = [
        f"{where}: resources.{part}.{res} missing"
        for part in ("requests", "limits")
        for res in ("cpu", "memory")
        if res not in (resources.get(part) or {})
    ]
    context = container.get("securityContext") or {}
    if context.get("allowPrivilegeEscalation") is not False or not context.get(
        "readOnlyRootFilesystem"
    ):
        problems.append(f"{where}: needs allowPrivilegeEscalation false, readOnlyRootFilesystem")
    return problems


def _refs(pod: Obj) -> Iterator[tuple[str, str, bool]]:
    """(kind, name, optional) of every ConfigMap and Secret the pod reads."""
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        for source in container.get("envFrom", []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key in source:
                    yield kind, source[key]["name"], bool(source[key].get("optional"))
        for var in container.get("env", []):
            ref = var.get("valueFrom") or {}
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if key in ref:
                    yield kind, ref[key]["name"], bool(ref[key].get("optional"))
    for volume in pod.get("volumes", []):
        if "configMap" in volume:
            yield "ConfigMap", volume["configMap"]["name"], False
        if "secret" in volume:
            yield "Secret", volume["secret"]["secretName"], False


def _ref_problems(
    where: str, pod: Obj, index: Mapping[tuple[str, str], Obj], secrets_rendered: bool
) -> list[str]:
    return [
        f"{where}: reads {kind} {name}, which is not rendered"
        for kind, name, optional in _refs(pod)
        if not optional and (kind, name) not in index and (kind == "ConfigMap" or secrets_rendered)
    ]


def _deployment_problems(
    svc: str, index: Mapping[tuple[str, str], Obj], target: Target
) -> list[str]:
    name = f"evroam-{svc}"
    deployment = index.get(("Deployment", name))
    if deployment is None:
        return [f"{target.path}: no Deployment {name}"]
    spec, pod = deployment["spec"], deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    problems = (
        []
        if _subset(spec["selector"].get("matchLabels"), labels)
        else [f"{name}: selector does not match its pod labels"]
    )
    if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
        problems.append(f"{name}: pod securityContext.runAsNonRoot must be true")
    containers = pod.get("containers", [])
    app = containers[0] if containers else {}
    problems += _probe_problems(name, app)
    for container in pod.get("initContainers", []) + containers:
        problems += _container_problems(name, container)
    if not any(
        c.get("args") == ["migrate"] and c.get("image") == app.get("image")
        for c in pod.get("initContainers", [])
    ):
        problems.append(f"{name}: needs an initContainer running `migrate` with its own image")
    image = str(app.get("image", ""))
    if target.tagged_images and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")):
        problems.append(f"{name}: image {image!r} must carry an explicit tag")
    problems += _ref_problems(name, pod, index, target.secrets_rendered)
    return problems + _companion_problems(svc, deployment, index)


def _companion_problems(
    svc: str, deployment: Obj, index: Mapping[tuple[str, str], Obj]
) -> list[str]:
    """The Service, PodDisruptionBudget and (gateway, roaming) HPA of one Deployment."""
    name = deployment["metadata"]["name"]
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    problems = []
    service = index.get(("Service", name))
    if service is None or not _subset(service["spec"].get("selector"), labels):
        problems.append(f"{name}: needs a Service {name} selecting its pods")
    if not any(
        _subset((obj["spec"].get("selector") or {}).get("matchLabels"), labels)
        for (kind, _), obj in index.items()
        if kind == "PodDisruptionBudget"
    ):
        problems.append(f"{name}: needs a PodDisruptionBudget selecting its pods")
    hpas = [
        obj
        for (kind, _), obj in index.items()
        if kind == "HorizontalPodAutoscaler"
        and obj["spec"]["scaleTargetRef"]
        == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    ]
    if svc in AUTOSCALED and not hpas:
        problems.append(f"{name}: needs a HorizontalPodAutoscaler")
    if hpas and "replicas" in deployment["spec"]:
        problems.append(f"{name}: its HPA owns the replica count; do not set spec.replicas")
    return problems


def service_problems(objects: list[dict[str, Any]], target: Target) -> list[str]:
    index = {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}
    problems = []
    for svc in SERVICES:
        problems += _deployment_problems(svc, index, target)
    job = index.get(("Job", "evroam-kafka-topics"))
    if job is None:
        problems.append(f"{target.path}: no Job evroam-kafka-topics")
    else:
        problems += _ref_problems(
            "Job/evroam-kafka-topics",
            job["spec"]["template"]["spec"],
            index,
            target.secrets_rendered,
        )
    images = [
        index[("Deployment", f"evroam-{svc}")]["spec"]["template"]["spec"]["containers"][0]["image"]
        for svc in SERVICES
        if ("Deployment", f"evroam-{svc}") in index
    ]
    if len(set(images)) != len(images):
        problems.append(f"{target.path}: services share an image: {images}")
    return problems


def check_k8s(root: Path) -> list[str]:
    problems = kustomization_problems(root)
    if problems:
        return problems
    return per_target(
        root,
        lambda target, objects: (
            [f"{target.path}: {p}" for p in schema_problems(objects)]
            + service_problems(objects, target)
        ),
    )
