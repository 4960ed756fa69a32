"""Commands: load the stream, decide, append with the expected version (retried on conflict)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import decode_payload
from evroam_contracts.tariff import TariffAssigned, TariffPublished
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_tariff.domain import decider


def tariff_stream(tariff_id: str) -> str:
    return f"tariff-{tariff_id}"


async def _load(pool: AsyncConnectionPool, tariff_id: str) -> tuple[decider.TariffState, int]:
    async with pool.connection() as conn:
        recorded = await EventStore().load(conn, tariff_stream(tariff_id))
    published = [
        m
        for r in recorded
        if isinstance(m := decode_payload(r.type, r.version, r.payload), TariffPublished)
    ]
    return decider.fold(tariff_id, published), len(recorded)


async def handle_publish_tariff(
    pool: AsyncConnectionPool, tariff: Mapping[str, Any]
) -> TariffPublished:
    tariff_id = str(tariff["id"])

    async def attempt() -> TariffPublished:
        state, version = await _load(pool, tariff_id)
        events = decider.publish(state, tariff, datetime.now(UTC))
        async with pool.connection() as conn:
            await EventStore().append(
                conn, tariff_stream(tariff_id), version, [NewEvent.of(e) for e in events]
            )
        return events[0]

    return await retry_on_conflict(attempt)


async def handle_assign_tariff(
    pool: AsyncConnectionPool,
    tariff_id: str,
    location_id: str,
    version: int | None,
    effective_from: datetime | None,
) -> TariffAssigned:
    async def attempt() -> TariffAssigned:
        state, stream_version = await _load(pool, tariff_id)
        events = decider.assign(state, location_id, version, effective_from or datetime.now(UTC))
        async with pool.connection() as conn:
            await EventStore().append(
                conn, tariff_stream(tariff_id), stream_version, [NewEvent.of(e) for e in events]
            )
        return events[0]

    return await retry_on_conflict(attempt)
