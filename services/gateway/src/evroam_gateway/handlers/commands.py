"""Registry commands: validate with the pure registry rules, append with the expected version."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Event
from evroam_contracts.gateway import LocationRegistered, StationRegistered
from evroam_eventstore import EventStore, NewEvent
from evroam_gateway.domain import registry


async def _append(pool: AsyncConnectionPool, stream: str, events: list[Event]) -> None:
    async with pool.connection() as conn:
        await EventStore().append(conn, stream, None, [NewEvent.of(e) for e in events])


async def handle_register_location(pool: AsyncConnectionPool, cmd: LocationRegistered) -> None:
    await _append(pool, f"location-{cmd.location_id}", list(registry.register_location(cmd)))


async def handle_register_station(pool: AsyncConnectionPool, cmd: StationRegistered) -> None:
    async with pool.connection() as conn:
        known = await EventStore().version(conn, f"location-{cmd.location_id}") > 0
    await _append(pool, f"station-{cmd.station_id}", list(registry.register_station(cmd, known)))
