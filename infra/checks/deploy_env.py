"""The environment each container gets, read out of docker-compose.yml and out of rendered
Kubernetes objects, so that the settings checks can judge both with the same rules."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

Env = dict[str, str]
Obj = Mapping[str, Any]

# Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}; `$$` is a literal `$`.
_COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::?-([^}]*))?\}")
# Kubernetes dependent variables: $(VAR) is replaced by an earlier variable of the container.
_K8S_VARIABLE = re.compile(r"\$\((\w+)\)")
# What the kubelet would put in a fieldRef, for the settings to be validated with.
_FIELD_EXAMPLES = {
    "metadata.name": "evroam-pod-0",
    "metadata.namespace": "evroam",
    "status.podIP": "10.0.0.1",
}


def _compose_default(match: re.Match[str]) -> str:
    if match.group(0) == "$$":
        return "$"
    return match.group(2) or ""


def interpolate(value: str) -> str:
    """The value compose gives when none of the variables is set in the shell or an .env file:
    what `docker compose up` on a fresh checkout runs with."""
    return _COMPOSE_VARIABLE.sub(_compose_default, value)


def compose_environment(service: Obj) -> Env:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        pairs = [str(item).split("=", 1) if "=" in str(item) else [str(item), ""] for item in raw]
        raw = dict(pairs)
    return {
        str(key): interpolate("" if value is None else str(value)) for key, value in raw.items()
    }


def compose_environments(doc: Obj) -> dict[str, Env]:
    """Compose service name -> its environment, interpolated with the defaults."""
    return {name: compose_environment(s) for name, s in (doc.get("services") or {}).items()}


def _data(obj: Obj | None) -> dict[str, str]:
    """A ConfigMap's or Secret's values as text; None when it is not in the render."""
    if obj is None:
        return {}
    values = {str(k): str(v) for k, v in (obj.get("stringData") or {}).items()}
    if obj["kind"] == "Secret":
        for key, value in (obj.get("data") or {}).items():
            values[str(key)] = base64.b64decode(value).decode()
    else:
        values.update({str(k): str(v) for k, v in (obj.get("data") or {}).items()})
    return values


def _lookup(index: Mapping[tuple[str, str], Obj], kind: str, ref: Obj) -> str | None:
    obj = index.get((kind, ref["name"]))
    if obj is None and kind == "Secret":
        # Secrets made outside git (prod): the variable is set, its value is not known here.
        return f"<{ref['name']}/{ref['key']}>"
    return _data(obj).get(ref["key"])


def _variable(var: Obj, env: Env, index: Mapping[tuple[str, str], Obj]) -> str | None:
    if "value" in var:
        return _K8S_VARIABLE.sub(lambda m: env.get(m.group(1), m.group(0)), str(var["value"]))
    source = var.get("valueFrom") or {}
    if "configMapKeyRef" in source:
        return _lookup(index, "ConfigMap", source["configMapKeyRef"])
    if "secretKeyRef" in source:
        return _lookup(index, "Secret", source["secretKeyRef"])
    if "fieldRef" in source:
        return _FIELD_EXAMPLES.get(source["fieldRef"]["fieldPath"], "<field>")
    return "<resource>"  # resourceFieldRef


def container_environment(container: Obj, index: Mapping[tuple[str, str], Obj]) -> Env:
    """What the container's process sees: envFrom first, then env in order (later wins), as the
    kubelet does. A key missing from an optional reference leaves the variable unset."""
    env: Env = {}
    for source in container.get("envFrom", []):
        prefix = str(source.get("prefix", ""))
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in source:
                obj = index.get((kind, source[key]["name"]))
                env.update({prefix + k: v for k, v in _data(obj).items()})
    for var in container.get("env", []):
        value = _variable(var, env, index)
        if value is not None:
            env[str(var["name"])] = value
    return env


def k8s_environments(objects: list[dict[str, Any]]) -> dict[str, Env]:
    """`<Deployment>/<container>` -> environment, for every container of every Deployment."""
    index = {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}
    return {
        f"{obj['metadata']['name']}/{container['name']}": container_environment(container, index)
        for obj in objects
        if obj["kind"] == "Deployment"
        for container in obj["spec"]["template"]["spec"].get("initContainers", [])
        + obj["spec"]["template"]["spec"].get("containers", [])
    }
