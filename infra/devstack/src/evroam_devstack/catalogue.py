"""The topic catalogue (`infra/kafka/topics.yaml`) as data."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_ENV = "EVROAM_TOPICS_FILE"
CATALOGUE_RELATIVE_PATH = Path("infra/kafka/topics.yaml")
TOPIC_NAME = re.compile(r"^evroam\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """The catalogue file is missing or malformed."""


class DuplicateTopicError(CatalogueError):
    """The same topic name appears more than once."""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    kind: str
    partitions: int
    config: Mapping[str, str] = field(default_factory=dict)


def find_catalogue(start: Path | None = None) -> Path:
    """`$EVROAM_TOPICS_FILE`, else `infra/kafka/topics.yaml` above `start` (cwd) or this file."""
    explicit = os.environ.get(CATALOGUE_ENV)
    if explicit:
        return Path(explicit)
    origins = [(start or Path.cwd()).resolve(), Path(__file__).resolve()]
    for origin in origins:
        for directory in (origin, *origin.parents):
            candidate = directory / CATALOGUE_RELATIVE_PATH
            if candidate.is_file():
                return candidate
    raise CatalogueError(
        f"{CATALOGUE_RELATIVE_PATH} not found above {origins[0]}; set {CATALOGUE_ENV}"
    )


def load_catalogue(path: Path | None = None) -> tuple[TopicSpec, ...]:
    """Every topic of the catalogue, in file order; names are checked unique."""
    source = path or find_catalogue()
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise CatalogueError(f"{source}: expected a mapping with `kinds` and `topics`")
    kinds = _mapping(document.get("kinds"), f"{source}: kinds")
    entries = document.get("topics")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{source}: `topics` must be a non-empty list")
    topics = tuple(_topic(entry, kinds, source) for entry in entries)
    check_unique(topic.name for topic in topics)
    return topics


def check_unique(names: Iterable[str]) -> None:
    duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicates:
        raise DuplicateTopicError(f"topics listed more than once: {', '.join(duplicates)}")


def _topic(entry: Any, kinds: Mapping[str, Any], source: Path) -> TopicSpec:
    entry = _mapping(entry, f"{source}: topic entry")
    name = entry.get("name")
    if not isinstance(name, str) or not TOPIC_NAME.match(name):
        raise CatalogueError(f"{source}: bad topic name {name!r} (evroam.<owner>.<purpose>)")
    kind_name = entry.get("kind")
    if kind_name not in kinds:
        raise CatalogueError(f"{source}: {name}: unknown kind {kind_name!r}")
    kind = _mapping(kinds[kind_name], f"{source}: kind {kind_name}")
    partitions = entry.get("partitions", kind.get("partitions"))
    if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
        raise CatalogueError(f"{source}: {name}: partitions must be a positive integer")
    config = {
        **_config(kind.get("config"), f"{source}: kind {kind_name}"),
        **_config(entry.get("config"), f"{source}: {name}"),
    }
    return TopicSpec(name=name, kind=str(kind_name), partitions=partitions, config=config)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: expected a mapping")
    return value


def _config(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    config = _mapping(value, f"{where}: config")
    bad = [key for key, item in config.items() if not isinstance(item, str)]
    if bad:
        raise CatalogueError(f"{where}: config values must be quoted strings: {', '.join(bad)}")
    return {str(key): str(item) for key, item in config.items()}
