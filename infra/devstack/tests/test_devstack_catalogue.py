from pathlib import Path

import pytest

from evroam_devstack import SERVICES, CatalogueError, DuplicateTopicError, load_catalogue


def test_every_service_has_an_events_topic_and_a_dead_letter_topic() -> None:
    names = {topic.name for topic in load_catalogue()}

    for service in SERVICES:
        assert f"evroam.{service}.events" in names
        assert f"evroam.{service}.dlq" in names
    assert {
        "evroam.gateway.commands",
        "evroam.gateway.replies",
        "evroam.authorization.requests",
    } <= names


def test_events_and_dead_letters_are_kept_forever() -> None:
    for topic in load_catalogue():
        if topic.kind in {"events", "dlq"}:
            assert topic.config["retention.ms"] == "-1", topic.name
            assert topic.config["cleanup.policy"] == "delete", topic.name


def test_partitions_follow_the_kind_of_topic() -> None:
    partitions = {topic.kind: topic.partitions for topic in load_catalogue()}

    assert partitions == {"events": 4, "commands": 4, "requests": 4, "replies": 1, "dlq": 1}


def write(tmp_path: Path, topics: str) -> Path:
    path = tmp_path / "topics.yaml"
    path.write_text(
        "kinds:\n  events: {partitions: 2, config: {retention.ms: '-1'}}\n" + topics,
        encoding="utf-8",
    )
    return path


def test_a_topic_listed_twice_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "topics:\n  - {name: evroam.a.events, kind: events}\n"
        "  - {name: evroam.a.events, kind: events}\n",
    )

    with pytest.raises(DuplicateTopicError, match=r"evroam\.a\.events"):
        load_catalogue(path)


def test_an_entry_may_override_its_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "topics:\n  - name: evroam.a.events\n    kind: events\n"
        "    partitions: 8\n    config: {retention.bytes: '100'}\n",
    )

    (topic,) = load_catalogue(path)

    assert topic.partitions == 8
    assert topic.config == {"retention.ms": "-1", "retention.bytes": "100"}


@pytest.mark.parametrize(
    "entry",
    [
        "{name: evroam.a.events, kind: nope}",
        "{name: Not-A-Topic, kind: events}",
        "{name: evroam.a.events, kind: events, partitions: 0}",
        "{name: evroam.a.events, kind: events, config: {retention.ms: -1}}",
    ],
)
def test_a_malformed_entry_is_refused(tmp_path: Path, entry: str) -> None:
    with pytest.raises(CatalogueError):
        load_catalogue(write(tmp_path, f"topics:\n  - {entry}\n"))
