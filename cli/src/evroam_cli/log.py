"""Read Kafka topics from their beginning up to where they end now: the one way the tools read
the log (trace, dead letters, tests that replay it)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_to_end(
    bootstrap: str, topics: Sequence[str], progress: TextIO | None = sys.stderr
) -> AsyncIterator[Any]:
    """Every record of `topics` that exists when the call starts, topic after topic, in
    partition order. Records appended meanwhile (even by the caller) are not read."""
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
                for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                    for record in records:
                        if record.offset < ends[tp]:
                            yield record
    finally:
        await consumer.stop()
