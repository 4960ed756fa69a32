"""Consumer lag: for every consumer group, how far its committed offsets are behind the end of
each partition it consumes. Zero everywhere means every published event has been handled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from evroam_contracts.topics import ALL_TOPICS


async def consumer_lag(bootstrap: str) -> dict[str, int | None]:
    """Group -> total lag over the topics it consumes; None while it has committed nothing
    (then which topics it reads is not yet known)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups()]
        # Ask for explicit partitions: Tansu answers the "all partitions" form of OffsetFetch
        # in a shape aiokafka cannot decode.
        tps = [
            TopicPartition(t, p)
            for t in ALL_TOPICS
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        ends = await consumer.end_offsets(tps)
        lag: dict[str, int | None] = {}
        for group in sorted(groups):
            committed = await admin.list_consumer_group_offsets(group, partitions=tps)
            topics = {tp.topic for tp, m in committed.items() if m.offset >= 0}
            lag[group] = None
            if topics:  # a partition of a consumed topic with no commit yet lags from its start
                lag[group] = sum(
                    max(0, ends[tp] - max(m.offset, 0))
                    for tp, m in committed.items()
                    if tp.topic in topics
                )
        return lag
    finally:
        await consumer.stop()
        await admin.close()


async def wait_for_no_lag(
    bootstrap: str, timeout_s: float = 60, groups: Collection[str] | None = None
) -> dict[str, int | None]:
    """Wait until `groups` (every group by default) have handled everything published."""
    deadline = time.monotonic() + timeout_s
    while True:
        lag = await consumer_lag(bootstrap)
        if groups is not None:
            lag = {g: n for g, n in lag.items() if g in groups}
        if not any(lag.values()):
            return lag
        if time.monotonic() > deadline:
            raise TimeoutError(f"consumers still lag after {timeout_s}s: {lag}")
        await asyncio.sleep(0.3)
