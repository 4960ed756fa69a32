"""`evroam dlq replay` on the real broker: a dead letter goes back to its source topic as the
original record, addressed to the group that failed it, once (unless --again)."""

from __future__ import annotations

import asyncio
import json
import secrets
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from evroam_cli.main import main
from evroam_devstack import TopicSpec
from evroam_messaging import Consumer, Producer
from evroam_messaging.consumer import dead_letter, meant_for
from evroam_testing.infra import Infra

ORIGINAL = [("ce_type", b"cdr.created"), ("ce_id", b"0190f0e2-0000-7000-8000-000000000001")]


async def _dead_letter(bootstrap: str, source: str, group: str) -> None:
    """What a billing consumer does with a record it cannot handle."""
    producer = Producer(bootstrap, "dlq-replay-test")
    await producer.start()
    try:
        record = SimpleNamespace(
            topic=source, partition=0, offset=7, key=b"CDR-1", value=b'{"id": 1}', headers=ORIGINAL
        )
        await dead_letter(producer, Consumer(group, [source], {}, "billing"), record, "boom")
    finally:
        await producer.stop()


async def _records(bootstrap: str, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        found: list[Any] = []
        while len(found) < end:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                found += records
        return found
    finally:
        await consumer.stop()


def evroam(bootstrap: str, *args: str) -> int:
    return main(["--bootstrap-servers", bootstrap, "dlq", *args])


def test_a_dead_letter_is_replayed_to_its_source_for_its_group_once_unless_again(
    infra: Infra, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    source = f"evroam.replaytest{secrets.token_hex(3)}.events"
    group = f"evroam.billing.replay-test-{secrets.token_hex(3)}"
    infra.create_topics()
    infra.create_topics([TopicSpec(source, "events", 1)])
    asyncio.run(_dead_letter(bootstrap, source, group))

    assert evroam(bootstrap, "replay", "--group", group, "--dry-run") == 0
    assert "would replay 1 of 1" in capsys.readouterr().out
    assert asyncio.run(_records(bootstrap, source)) == []

    assert evroam(bootstrap, "replay", "--group", group) == 0
    [copy] = asyncio.run(_records(bootstrap, source))
    assert (copy.key, copy.value) == (b"CDR-1", b'{"id": 1}')
    headers = dict(copy.headers)
    assert [(k, headers[k]) for k, _ in ORIGINAL] == ORIGINAL
    assert headers["x_replay_group"] == group.encode()
    assert not [k for k in headers if k.startswith("x_dlq_")]
    assert meant_for(Consumer(group, [source], {}, "billing"), copy)
    assert not meant_for(Consumer("evroam.roaming.cdrs", [source], {}, "roaming"), copy)

    capsys.readouterr()
    assert evroam(bootstrap, "replay", "--source", f"{source}@0:7") == 1  # replayed before
    assert "--again" in capsys.readouterr().out
    assert len(asyncio.run(_records(bootstrap, source))) == 1

    assert evroam(bootstrap, "replay", "--source", f"{source}@0:7", "--again") == 0
    assert len(asyncio.run(_records(bootstrap, source))) == 2
    capsys.readouterr()
    assert evroam(bootstrap, "list", "--json") == 0
    [listed] = [d for d in json.loads(capsys.readouterr().out) if d["consumer"] == group]
    assert listed["replayed_at"]
    assert listed["source"] == f"{source}@0:7"


def test_replay_explains_itself_with_examples_and_exit_statuses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["dlq", "replay", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "usage: evroam dlq replay" in out
    assert "examples:" in out
    assert "exit status" in out
