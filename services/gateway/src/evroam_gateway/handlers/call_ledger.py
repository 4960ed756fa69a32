"""Once per station message: the ledger of what the gateway answered (table `ocpp_calls`).

A station that lost our answer sends the same CALL again (same message id), and a station
whose transaction message failed sends it again under a new id (OCPP 1.6 section 3.7.1, 2.0.1
E13). Either way it must get the same answer, and the log must not get a second event. The
protocol layer puts the CALL in a context variable; the handler names natural keys where the
spec gives them; `once` runs the work only when no key was seen, and records the result in
the same transaction as the work's events.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


@dataclass(frozen=True)
class CallRef:
    station_id: str
    message_id: str
    action: str


CURRENT_CALL: ContextVar[CallRef | None] = ContextVar("ocpp_call", default=None)
Work = Callable[[AsyncConnection], Awaitable[dict[str, Any]]]


class _SeenMeanwhile(Exception):
    """Another copy of the message was recorded while this one was being handled."""


class CallLedger:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    @staticmethod
    def _keys(station_id: str, natural_keys: Sequence[str]) -> list[str]:
        call = CURRENT_CALL.get()
        keys = [*natural_keys]
        if call is not None and call.station_id == station_id:
            keys.append(f"msg:{call.message_id}")
        return keys

    async def answered(self, station_id: str, natural_keys: Sequence[str]) -> dict[str, Any] | None:
        """The stored result when this message (or its natural key) was handled before: for
        work that must ask someone before it can append (an Authorize)."""
        keys = self._keys(station_id, natural_keys)
        return await self._stored(station_id, keys) if keys else None

    async def once(
        self,
        station_id: str,
        action: str,
        natural_keys: Sequence[str],
        work: Work,
        *,
        checked: bool = False,
    ) -> dict[str, Any]:
        """`work`'s result, run in a transaction unless a key was seen; then the stored one.
        `checked`: the caller asked `answered` just before, so the lookup is not repeated (a
        copy recorded in between still loses at the insert and gets the stored result)."""
        keys = self._keys(station_id, natural_keys)
        if not keys:
            async with self._pool.connection() as conn, conn.transaction():
                return await work(conn)
        stored = None if checked else await self._stored(station_id, keys)
        if stored is not None:
            return stored
        try:
            async with self._pool.connection() as conn, conn.transaction():
                result = await work(conn)
                await self._record(conn, station_id, action, keys, result)
            return result
        except _SeenMeanwhile:
            stored = await self._stored(station_id, keys)
            assert stored is not None
            return stored

    async def _stored(self, station_id: str, keys: Sequence[str]) -> dict[str, Any] | None:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT result FROM ocpp_calls WHERE station_id = %s AND call_key = ANY(%s)"
                " LIMIT 1",
                (station_id, list(keys)),
            )
            row = await cur.fetchone()
        return None if row is None else dict(row[0])

    @staticmethod
    async def _record(
        conn: AsyncConnection, station_id: str, action: str, keys: Sequence[str], result: Any
    ) -> None:
        payload = json.dumps(result, default=str)
        for key in keys:
            cur = await conn.execute(
                "INSERT INTO ocpp_calls (station_id, call_key, action, result)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (station_id, key, action, payload),
            )
            if await cur.fetchone() is None:
                raise _SeenMeanwhile(key)

    async def prune(self, older_than_days: int) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "DELETE FROM ocpp_calls WHERE recorded_at < now() - make_interval(days => %s)",
                (older_than_days,),
            )
            return cur.rowcount
