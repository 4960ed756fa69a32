"""Commands: load the tariff's stream, decide, append with the expected version (retried on
conflict)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import decode_payload
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_tariff.domain import decider
from evroam_tariff.domain.decider import AssignmentScope, TariffEvent, TariffState


def tariff_stream(tariff_id: str) -> str:
    return f"tariff-{tariff_id}"


async def _decide(
    pool: AsyncConnectionPool, tariff_id: str, decide: Callable[[TariffState], list[TariffEvent]]
) -> list[TariffEvent]:
    async def attempt() -> list[TariffEvent]:
        async with pool.connection() as conn:
            store = EventStore()
            recorded = await store.load(conn, tariff_stream(tariff_id))
            history = [decode_payload(r.type, r.version, r.payload) for r in recorded]
            events = decide(decider.fold(tariff_id, history))  # type: ignore[arg-type]
            await store.append(
                conn, tariff_stream(tariff_id), len(recorded), [NewEvent.of(e) for e in events]
            )
            return events

    return await retry_on_conflict(attempt)


async def handle_publish_tariff(
    pool: AsyncConnectionPool, tariff: Mapping[str, Any]
) -> TariffEvent:
    now = datetime.now(UTC)
    [event] = await _decide(pool, str(tariff["id"]), lambda s: decider.publish(s, tariff, now))
    return event


async def handle_assign_tariff(
    pool: AsyncConnectionPool,
    tariff_id: str,
    scope: AssignmentScope,
    version: int | None,
    effective_from: datetime | None,
) -> TariffEvent:
    start = effective_from or datetime.now(UTC)
    [event] = await _decide(pool, tariff_id, lambda s: decider.assign(s, scope, version, start))
    return event


async def handle_retire_tariff(
    pool: AsyncConnectionPool, tariff_id: str, retired_from: datetime | None
) -> list[TariffEvent]:
    start = retired_from or datetime.now(UTC)
    return await _decide(pool, tariff_id, lambda s: decider.retire(s, start))
