"""Read Kafka topics from their beginning up to where they end now: the one way the tools read
the log (trace, dead letters, tests that replay it)."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from aiokafka import AIOKafkaConsumer, TopicPartition

from evroam_contracts.topics import events_topic

if TYPE_CHECKING:
    from evroam_cli.client import Platform


async def read_to_end(
    bootstrap: str, topics: Sequence[str], progress: TextIO | None = sys.stderr
) -> AsyncIterator[Any]:
    """Every record of `topics` that exists when the call starts, topic after topic, in
    partition order (and possibly some appended meanwhile)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        # Every topic's partitions before the first assign(): aiokafka then narrows its
        # metadata to the assigned topics, and the others would look empty.
        partitions = {
            t: [TopicPartition(t, p) for p in sorted(consumer.partitions_for_topic(t) or ())]
            for t in topics
        }
        for topic, tps in partitions.items():
            if not tps:
                continue
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
            if progress is not None:
                print(f"reading {topic}: {sum(ends.values())} records", file=progress)
            while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    for record in records:
                        yield record
            # Tansu can report an end offset inside a batch the relay produced at once (the
            # batch's last records lie past it): take what one more short fetch still holds.
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    yield record
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Logged:
    type: str
    payload: dict[str, Any]
    headers: dict[str, str]


async def logged(p: Platform, producer: str, keep: Callable[[Logged], bool]) -> list[Logged]:
    """Every event of `producer`'s topic that `keep` accepts, in log order per partition."""
    found = []
    async for record in read_to_end(
        p.endpoints.kafka_bootstrap_servers, [events_topic(producer)], progress=None
    ):
        headers = {k: v.decode() for k, v in record.headers}
        event = Logged(headers.get("ce_type", ""), json.loads(record.value), headers)
        if keep(event):
            found.append(event)
    return found


def about_station(station_id: str, *types: str) -> Callable[[Logged], bool]:
    return lambda e: e.payload.get("station_id") == station_id and (not types or e.type in types)


async def eventually_logged(
    p: Platform,
    producer: str,
    keep: Callable[[Logged], bool],
    count: int = 1,
    what: str = "events",
    timeout_s: float = 30,
) -> list[Logged]:
    """At least `count` kept events, once the relay has published them."""

    async def probe() -> list[Logged] | None:
        found = await logged(p, producer, keep)
        return found if len(found) >= count else None

    return await p.eventually(f"{count} {what} in the {producer} log", producer, probe, timeout_s)
