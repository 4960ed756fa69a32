"""Projections: pure folds of the service's own log into read tables, exactly once (rows and
checkpoint in one transaction), and rebuildable from the beginning with a checksum that proves
the rebuilt tables equal the live ones.

A projection owns its DDL (versioned table names, `view_<read_model>_v<n>`); its SQL uses
unqualified table names so the same code folds into the live schema or into a scratch schema
during a rebuild. Projections must be pure: every column comes from events (no now(), no
sequences), or a rebuild could not be equal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore.db import connect, wait_for_notify
from evroam_eventstore.store import NOTIFY_CHANNEL, EventStore, RecordedEvent

log = logging.getLogger(__name__)


class Projection(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> Sequence[str]: ...

    @property
    def ddl(self) -> str: ...

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None: ...


@dataclass(frozen=True)
class RebuildReport:
    projection: str
    events_replayed: int
    up_to_position: int
    live_checksums: dict[str, str]
    rebuilt_checksums: dict[str, str]

    @property
    def equal(self) -> bool:
        return self.live_checksums == self.rebuilt_checksums


async def checksum(conn: AsyncConnection, table: str) -> str:
    """md5 over every row's text, in a stable order: equal tables, equal sums."""
    cur = await conn.execute(
        sql.SQL(
            "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
        ).format(sql.Identifier(table))
    )
    row = await cur.fetchone()
    return str(row[0]) if row else ""


async def _fold(conn: AsyncConnection, p: Projection, events: Sequence[RecordedEvent]) -> None:
    for event in events:
        await p.apply(conn, event)
    await conn.execute(
        "INSERT INTO projection_checkpoints (projection, position) VALUES (%s, %s)"
        " ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
        (p.name, events[-1].position),
    )


async def _checkpoint(conn: AsyncConnection, name: str) -> int:
    cur = await conn.execute(
        "SELECT position FROM projection_checkpoints WHERE projection = %s", (name,)
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


class ProjectionRunner:
    """Keeps every projection of a service up to date with its log."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        database_url: str,
        projections: Sequence[Projection],
        *,
        poll_interval_s: float = 1.0,
        batch_size: int = 500,
    ) -> None:
        self._pool, self._url, self._projections = pool, database_url, projections
        self._poll, self._batch = poll_interval_s, batch_size
        self._store = EventStore()
        self.caught_up = asyncio.Event()

    async def setup(self) -> None:
        async with self._pool.connection() as conn:
            for p in self._projections:
                await conn.execute(p.ddl)

    async def step(self) -> int:
        """Fold one batch into each projection; return how many events were applied."""
        applied = 0
        for p in self._projections:
            async with self._pool.connection() as conn, conn.transaction():
                # Serialise with other replicas: the checkpoint row is the unit of work.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (p.name,))
                events = await self._store.read_after(
                    conn, await _checkpoint(conn, p.name), self._batch
                )
                if events:
                    await _fold(conn, p, events)
                    applied += len(events)
        return applied

    async def run(self, stop: asyncio.Event) -> None:
        await self.setup()
        listen = await connect(self._url)
        try:
            await listen.execute(f"LISTEN {NOTIFY_CHANNEL}")
            while not stop.is_set():
                while await self.step():
                    pass
                self.caught_up.set()
                await wait_for_notify(listen, self._poll, stop)
        finally:
            await listen.close()


async def rebuild(
    pool: AsyncConnectionPool, p: Projection, *, batch_size: int = 1000
) -> RebuildReport:
    """Fold the whole log into a scratch schema and compare checksums with the live tables.

    The live checksum and its checkpoint are read in one snapshot, and the replay stops at that
    checkpoint, so a busy service still compares like with like. Nothing is appended or sent.
    """
    scratch = f"rebuild_{p.name}"
    async with pool.connection() as conn:
        async with conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            up_to = await _checkpoint(conn, p.name)
            live = {t: await checksum(conn, t) for t in p.tables}
        await conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(scratch))
        )
        await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(scratch)))
        replayed = 0
        try:
            async with conn.transaction():
                await conn.execute(
                    sql.SQL("SET LOCAL search_path TO {}, public").format(sql.Identifier(scratch))
                )
                await conn.execute(p.ddl)
                store, position = EventStore(), 0
                while events := await store.read_after(conn, position, batch_size, up_to=up_to):
                    for event in events:
                        await p.apply(conn, event)
                    replayed += len(events)
                    position = events[-1].position
                rebuilt = {t: await checksum(conn, t) for t in p.tables}
        finally:
            await conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(scratch))
            )
    return RebuildReport(p.name, replayed, up_to, live, rebuilt)
