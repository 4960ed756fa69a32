"""Consumer lag: for every consumer group, how far its committed offsets are behind the end of
each partition it consumes. Zero everywhere means every published event has been handled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection

from evroam_contracts.topics import ALL_TOPICS
from evroam_messaging.lag import LagReader


async def consumer_lag(bootstrap: str) -> dict[str, int | None]:
    """Group -> total lag over the topics it consumes; None while it has committed nothing
    (then which topics it reads is not yet known)."""
    async with LagReader(bootstrap) as reader:
        ends = await reader.end_offsets(reader.partitions(ALL_TOPICS))
        lag: dict[str, int | None] = {}
        for group in await reader.groups():
            rows = await reader.group_lag(group, ends)
            topics = {r.topic for r in rows if r.committed is not None}
            # A partition of a consumed topic with no commit yet lags from its start.
            lag[group] = sum(r.behind for r in rows if r.topic in topics) if topics else None
        return lag


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
