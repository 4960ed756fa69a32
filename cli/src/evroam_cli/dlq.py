"""`evroam dlq list`: what each consumer could not handle, and why, from the dead-letter topics
(`evroam.<consumer>.dlq`), and which of them `evroam dlq replay` already sent back.

A replay leaves a marker record in the dead-letter topic, next to the letter it replayed
(the topic is append-only and kept forever, so the marker is the durable "done" mark): an
empty value and the `x_dlq_replayed_of` header naming the letter's `partition:offset`."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer, TopicPartition

from evroam_contracts.topics import SERVICES, dlq_topic
from evroam_messaging.consumer import REPLAYED_OF_HEADER


@dataclass(frozen=True)
class DeadLetter:
    dlq: str
    offset: int
    consumer: str
    source: str  # topic@partition:offset of the original record
    event_type: str
    reason: str
    at: str
    partition: int = 0
    replayed_at: str = ""  # when `evroam dlq replay` last sent it back, if it did

    @property
    def source_topic(self) -> str:
        return self.source.rsplit("@", 1)[0]


@dataclass(frozen=True)
class StoredLetter:
    """A dead letter with the original record as the DLQ keeps it: what a replay sends."""

    letter: DeadLetter
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


REPLAYED_AT = "x_dlq_replayed_at"  # on a marker, beside REPLAYED_OF_HEADER


def _letter(
    topic: str, offset: int, headers: dict[str, str], partition: int = 0, replayed_at: str = ""
) -> DeadLetter:
    source = (
        f"{headers.get('x_dlq_topic', '?')}@{headers.get('x_dlq_partition', '?')}:"
        f"{headers.get('x_dlq_offset', '?')}"
    )
    return DeadLetter(
        topic,
        offset,
        headers.get("x_dlq_consumer", "?"),
        source,
        headers.get("ce_type", "?"),
        headers.get("x_dlq_reason", ""),
        headers.get("x_dlq_at", ""),
        partition,
        replayed_at,
    )


def _text(headers: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in headers or ()}


async def read_letters(
    bootstrap: str, services: tuple[str, ...] = SERVICES, progress: TextIO | None = None
) -> list[StoredLetter]:
    """Every dead letter of the services' DLQs, each with when it was last replayed."""
    records = [
        (r, _text(r.headers))
        for r in await _read_all(bootstrap, [dlq_topic(s) for s in services], progress)
    ]
    replayed: dict[tuple[str, str], str] = {}  # (DLQ, "partition:offset") -> latest replay
    for r, h in records:
        if REPLAYED_OF_HEADER in h:
            key = (r.topic, h[REPLAYED_OF_HEADER])
            replayed[key] = max(replayed.get(key, ""), h.get(REPLAYED_AT, ""))
    return [
        StoredLetter(
            _letter(
                r.topic,
                r.offset,
                h,
                r.partition,
                replayed.get((r.topic, f"{r.partition}:{r.offset}"), ""),
            ),
            r.key,
            r.value or b"",
            list(r.headers or ()),
        )
        for r, h in records
        if REPLAYED_OF_HEADER not in h
    ]


async def _read_all(bootstrap: str, topics: list[str], progress: TextIO | None) -> list[Any]:
    """Every record of `topics`, in one pass over all their partitions: DLQs are small and
    mostly empty, and reading topic after topic (log.read_to_end) waits on each empty one.
    Dead letters and markers are each sent and acknowledged alone, so no producer batch
    straddles the end offset (the Tansu quirk read_to_end works around)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        tps = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        ends = await consumer.end_offsets(tps) if tps else {}
        held = [tp for tp in tps if ends[tp] > 0]
        if progress is not None:
            print(f"reading {sum(ends.values())} dead-letter record(s)", file=progress)
        if not held:
            return []
        consumer.assign(held)
        await consumer.seek_to_beginning(*held)
        records: list[Any] = []
        while [tp for tp in held if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records += batch
        return sorted(records, key=lambda r: (r.topic, r.partition, r.offset))
    finally:
        await consumer.stop()


async def collect(bootstrap: str, services: tuple[str, ...] = SERVICES) -> list[DeadLetter]:
    return [s.letter for s in await read_letters(bootstrap, services)]


def render(letters: list[DeadLetter], out: TextIO = sys.stdout) -> None:
    if not letters:
        print("no dead letters", file=out)
        return
    for d in letters:
        first_line = d.reason.splitlines()[0] if d.reason else ""
        replayed = f"  (replayed {d.replayed_at})" if d.replayed_at else ""
        print(
            f"{d.dlq}:{d.offset}  {d.at}  {d.consumer}  {d.event_type}  from {d.source}"
            f"{replayed}\n    {first_line}",
            file=out,
        )
    print(f"\n{len(letters)} dead letter(s)", file=out)
