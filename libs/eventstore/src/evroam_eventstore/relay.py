"""The relay: publishes the events table to Kafka in position order, at least once.

It wakes on NOTIFY from appends and polls as a fallback (a lost notification only costs one
poll interval). Only one relay per database publishes at a time (a session advisory lock), so
several replicas of a service can run the relay role safely. The checkpoint is written after
the broker acknowledged the batch: a crash in between re-publishes, never skips.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope
from evroam_eventstore.db import connect, wait_for_notify
from evroam_eventstore.store import NOTIFY_CHANNEL, EventStore

log = logging.getLogger(__name__)

Sink = Callable[[Sequence[Envelope]], Awaitable[None]]
RELAY_LOCK = 0x72656C79  # "rely"


class Relay:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        database_url: str,
        sink: Sink,
        *,
        source: str,
        name: str = "kafka",
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
    ) -> None:
        self._pool, self._url, self._sink = pool, database_url, sink
        self._source, self._name = source, name
        self._batch, self._poll = batch_size, poll_interval_s
        self._store = EventStore()
        self.published_position = 0
        self.head_position = 0

    @property
    def backlog(self) -> int:
        return max(0, self.head_position - self.published_position)

    async def run(self, stop: asyncio.Event) -> None:
        lock_conn = await connect(self._url)
        listen_conn = await connect(self._url)
        try:
            await self._wait_for_leadership(lock_conn, stop)
            await listen_conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            while not stop.is_set():
                while await self.publish_pending():
                    pass
                await wait_for_notify(listen_conn, self._poll, stop)
            await self.publish_pending()  # flush what was appended before the stop
        finally:
            await listen_conn.close()
            await lock_conn.close()

    async def publish_pending(self) -> int:
        """Publish one batch after the checkpoint; return how many events were published."""
        async with self._pool.connection() as conn:
            checkpoint = await self._checkpoint(conn)
            events = await self._store.read_after(conn, checkpoint, self._batch)
            self.head_position = await self._store.head(conn)
        self.published_position = checkpoint
        if not events:
            return 0
        await self._sink([e.to_envelope(self._source) for e in events])
        last = events[-1].position
        async with self._pool.connection() as conn:
            await conn.execute(
                "INSERT INTO relay_checkpoints (name, position) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (self._name, last),
            )
        self.published_position = last
        return len(events)

    async def _checkpoint(self, conn: AsyncConnection) -> int:
        cur = await conn.execute(
            "SELECT position FROM relay_checkpoints WHERE name = %s", (self._name,)
        )
        row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _wait_for_leadership(self, conn: AsyncConnection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK,))
            row = await cur.fetchone()
            if row and row[0]:
                return
            log.info("relay %s: another replica publishes; standing by", self._name)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 5)
