"""`evroam dlq list`: what each consumer could not handle, and why, from the dead-letter topics
(`evroam.<consumer>.dlq`). Read-only; replay comes with the operability issue."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from aiokafka import AIOKafkaConsumer, TopicPartition

from evroam_contracts.topics import SERVICES, dlq_topic


@dataclass(frozen=True)
class DeadLetter:
    dlq: str
    offset: int
    consumer: str
    source: str  # topic@partition:offset of the original record
    event_type: str
    reason: str
    at: str


def _letter(topic: str, offset: int, headers: dict[str, str]) -> DeadLetter:
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
    )


async def collect(bootstrap: str, services: tuple[str, ...] = SERVICES) -> list[DeadLetter]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    letters: list[DeadLetter] = []
    try:
        await consumer.topics()
        tps = [
            TopicPartition(dlq_topic(s), p)
            for s in services
            for p in sorted(consumer.partitions_for_topic(dlq_topic(s)) or ())
        ]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                letters += [
                    _letter(
                        tp.topic, r.offset, {k: v.decode(errors="replace") for k, v in r.headers}
                    )
                    for r in records
                    if r.offset < ends[tp]
                ]
    finally:
        await consumer.stop()
    return letters


def render(letters: list[DeadLetter], out: TextIO = sys.stdout) -> None:
    if not letters:
        print("no dead letters", file=out)
        return
    for d in letters:
        first_line = d.reason.splitlines()[0] if d.reason else ""
        print(
            f"{d.dlq}:{d.offset}  {d.at}  {d.consumer}  {d.event_type}  from {d.source}\n"
            f"    {first_line}",
            file=out,
        )
    print(f"\n{len(letters)} dead letter(s)", file=out)
