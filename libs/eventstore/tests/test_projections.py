"""Projections fold the log exactly once, and a rebuild from the beginning proves (checksum)
that the live tables equal a fresh fold."""

from __future__ import annotations

import asyncio

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore import EventStore, NewEvent, RecordedEvent
from evroam_eventstore.projections import ProjectionRunner, rebuild


class TotalsV1:
    name = "totals_v1"
    tables = ("view_totals_v1",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_totals_v1 ("
        " stream_id text PRIMARY KEY, total integer NOT NULL, last_position bigint NOT NULL)"
    )

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        await conn.execute(
            "INSERT INTO view_totals_v1 VALUES (%s, %s, %s) ON CONFLICT (stream_id) DO UPDATE"
            " SET total = view_totals_v1.total + excluded.total,"
            " last_position = excluded.last_position",
            (event.stream_id, event.payload["n"], event.position),
        )


async def _append(pool: AsyncConnectionPool, stream: str, *numbers: int) -> None:
    store = EventStore()
    async with pool.connection() as conn:
        version = await store.version(conn, stream)
        await store.append(
            conn,
            stream,
            version,
            [NewEvent(type="test.counted", version=1, payload={"n": n}) for n in numbers],
        )


async def _totals(pool: AsyncConnectionPool) -> dict[str, int]:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT stream_id, total FROM view_totals_v1")
        return {r[0]: r[1] for r in await cur.fetchall()}


async def test_the_runner_folds_new_events_as_they_are_appended(
    pool: AsyncConnectionPool,
    database_url: str,
) -> None:
    runner = ProjectionRunner(pool, database_url, [TotalsV1()], poll_interval_s=5)
    await runner.setup()  # the table exists before the test reads it
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await _append(pool, "a", 1, 2)
    await _append(pool, "b", 10)
    for _ in range(100):  # woken by NOTIFY, long before the 5 s poll
        if await _totals(pool) == {"a": 3, "b": 10}:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert await _totals(pool) == {"a": 3, "b": 10}


async def test_stepping_twice_over_the_same_events_changes_nothing(
    pool: AsyncConnectionPool,
    database_url: str,
) -> None:
    runner = ProjectionRunner(pool, database_url, [TotalsV1()])
    await runner.setup()
    await _append(pool, "a", 5)
    assert await runner.step() == 1
    assert await runner.step() == 0
    assert await _totals(pool) == {"a": 5}


async def test_a_rebuild_from_the_log_has_the_checksum_of_the_live_tables(
    pool: AsyncConnectionPool,
    database_url: str,
) -> None:
    runner = ProjectionRunner(pool, database_url, [TotalsV1()])
    await runner.setup()
    for i in range(20):
        await _append(pool, f"s{i % 4}", i)
        await runner.step()
    report = await rebuild(pool, TotalsV1())
    assert report.events_replayed == 20
    assert report.equal, report
    assert await _totals(pool) == {"s0": 40, "s1": 45, "s2": 50, "s3": 55}  # live untouched


async def test_a_rebuild_notices_live_tables_that_drifted_from_the_log(
    pool: AsyncConnectionPool,
    database_url: str,
) -> None:
    runner = ProjectionRunner(pool, database_url, [TotalsV1()])
    await runner.setup()
    await _append(pool, "a", 1)
    await runner.step()
    async with pool.connection() as conn:
        await conn.execute("UPDATE view_totals_v1 SET total = 999")
    report = await rebuild(pool, TotalsV1())
    assert not report.equal
    assert report.live_checksums != report.rebuilt_checksums
