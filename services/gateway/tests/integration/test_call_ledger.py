"""The call ledger on a real PostgreSQL: a station message handled once, whether it comes
again later, under the same message id, or at the same moment from two replicas."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_gateway.handlers.call_ledger import CURRENT_CALL, CallLedger, CallRef


@pytest.fixture(autouse=True)
async def effects(pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await conn.execute("CREATE TABLE effects (result jsonb)")


class CountingWork:
    """Work that records how often it ran, in the database as a real effect would."""

    def __init__(self, result: dict[str, Any], delay_s: float = 0.0) -> None:
        self.result, self.delay_s, self.runs = result, delay_s, 0

    async def __call__(self, conn: AsyncConnection) -> dict[str, Any]:
        self.runs += 1
        await conn.execute("INSERT INTO effects VALUES (%s)", (str(self.result).replace("'", '"'),))
        await conn.execute("SELECT pg_sleep(%s)", (self.delay_s,))
        return self.result


async def test_a_message_seen_before_by_its_natural_key_gets_the_first_result(
    pool: AsyncConnectionPool,
) -> None:
    ledger = CallLedger(pool)
    first, second = CountingWork({"transaction_id": "7"}), CountingWork({"transaction_id": "8"})
    assert await ledger.once("CS-1", "Started", ("tx:A:0",), first) == {"transaction_id": "7"}
    assert await ledger.once("CS-1", "Started", ("tx:A:0",), second) == {"transaction_id": "7"}
    assert (first.runs, second.runs) == (1, 0)
    # Keys are per station: another station's tx:A:0 is another message.
    assert await ledger.once("CS-2", "Started", ("tx:A:0",), second) == {"transaction_id": "8"}


async def test_the_same_message_id_is_answered_from_the_ledger(pool: AsyncConnectionPool) -> None:
    ledger = CallLedger(pool)
    work = CountingWork({"status": "Accepted"})
    token = CURRENT_CALL.set(CallRef("CS-1", "m-1", "Authorize"))
    try:
        assert await ledger.answered("CS-1", ()) is None
        await ledger.once("CS-1", "Authorize", (), work, checked=True)
        assert await ledger.answered("CS-1", ()) == {"status": "Accepted"}
    finally:
        CURRENT_CALL.reset(token)
    assert await ledger.answered("CS-1", ()) is None  # outside the CALL, no message id key


async def test_two_copies_at_once_keep_one_effect_and_both_get_its_result(
    pool: AsyncConnectionPool,
) -> None:
    ledger = CallLedger(pool)
    a, b = CountingWork({"copy": "a"}, 0.3), CountingWork({"copy": "b"}, 0.3)
    results = await asyncio.gather(
        ledger.once("CS-1", "Ended", ("stop:9",), a, checked=True),
        ledger.once("CS-1", "Ended", ("stop:9",), b, checked=True),
    )
    assert results[0] == results[1]
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT result FROM effects")
        assert [row[0] for row in await cur.fetchall()] == [results[0]]


async def test_rows_older_than_the_retention_are_pruned(pool: AsyncConnectionPool) -> None:
    ledger = CallLedger(pool)
    await ledger.once("CS-1", "Ended", ("stop:1",), CountingWork({}))
    await ledger.once("CS-1", "Ended", ("stop:2",), CountingWork({}))
    async with pool.connection() as conn:
        await conn.execute(
            "UPDATE ocpp_calls SET recorded_at = now() - interval '8 days'"
            " WHERE call_key = 'stop:1'"
        )
    assert await ledger.prune(7) == 1
    assert await ledger.answered("CS-1", ("stop:1",)) is None
    assert await ledger.answered("CS-1", ("stop:2",)) == {}
