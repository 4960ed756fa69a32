"""Registry commands: load the aggregate's stream, decide with the pure registry rules, append
with the expected version; the whole command runs again when the stream moved on.

A station's stream also holds its traffic (boots, status changes, ...), which the registry
skips; a status change landing between load and append makes the command run again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

from evroam_contracts import Event
from evroam_contracts.gateway import (
    Evse,
    LocationRegistered,
    LocationUpdated,
    StationRegistered,
    StationUpdated,
)
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_gateway.domain import registry

S = TypeVar("S", LocationRegistered, StationRegistered)
M = TypeVar("M", bound=BaseModel)
LOCATION_EVENTS = frozenset({LocationRegistered.type_name, LocationUpdated.type_name})
STATION_EVENTS = frozenset({StationRegistered.type_name, StationUpdated.type_name})

LocationDecision = Callable[[LocationRegistered | None], Sequence[LocationRegistered]]
StationDecision = Callable[
    [StationRegistered | None, LocationRegistered | None], Sequence[StationRegistered]
]


def location_stream(location_id: str) -> str:
    return f"location-{location_id}"


def station_stream(station_id: str) -> str:
    return f"station-{station_id}"


@dataclass(frozen=True)
class Written(Generic[S]):
    """The state after a command, its stream's version, and whether it appended anything."""

    version: int
    state: S
    changed: bool


async def _latest(
    conn: AsyncConnection, stream: str, types: frozenset[str], model: type[M]
) -> tuple[int, M | None]:
    """The stream's version and its latest registry state (each event carries all of it)."""
    events = await EventStore().load(conn, stream)
    version = events[-1].stream_version if events else 0
    mine = [e for e in events if e.type in types]
    return version, (model.model_validate(mine[-1].payload) if mine else None)


async def load_location(
    conn: AsyncConnection, location_id: str
) -> tuple[int, LocationRegistered | None]:
    return await _latest(conn, location_stream(location_id), LOCATION_EVENTS, LocationRegistered)


async def load_station(
    conn: AsyncConnection, station_id: str
) -> tuple[int, StationRegistered | None]:
    return await _latest(conn, station_stream(station_id), STATION_EVENTS, StationRegistered)


async def _append(conn: AsyncConnection, stream: str, version: int, events: Sequence[Event]) -> int:
    if not events:
        return version
    recorded = await EventStore().append(conn, stream, version, [NewEvent.of(e) for e in events])
    return recorded[-1].stream_version


def _written(version: int, current: S | None, events: Sequence[S]) -> Written[S]:
    state = events[-1] if events else current
    assert state is not None, "a decision that appends nothing needs a current state"
    return Written(version, state, bool(events))


async def _location_command(
    pool: AsyncConnectionPool, location_id: str, decide: LocationDecision
) -> Written[LocationRegistered]:
    async def attempt() -> Written[LocationRegistered]:
        async with pool.connection() as conn:
            version, current = await load_location(conn, location_id)
            events = decide(current)
            version = await _append(conn, location_stream(location_id), version, events)
        return _written(version, current, events)

    return await retry_on_conflict(attempt)


async def _station_command(
    pool: AsyncConnectionPool,
    station_id: str,
    decide: StationDecision,
    location_id: str | None = None,
) -> Written[StationRegistered]:
    """`location_id`: the location the new state names; by default the station's own.
    A location's owner never changes and a location is never removed, so what a station
    checks against it cannot go stale before the append."""

    async def attempt() -> Written[StationRegistered]:
        async with pool.connection() as conn:
            version, current = await load_station(conn, station_id)
            where = location_id or (current.location_id if current else None)
            location = (await load_location(conn, where))[1] if where else None
            events = decide(current, location)
            version = await _append(conn, station_stream(station_id), version, events)
        return _written(version, current, events)

    return await retry_on_conflict(attempt)


async def handle_register_location(
    pool: AsyncConnectionPool, location: LocationRegistered
) -> Written[LocationRegistered]:
    return await _location_command(
        pool, location.location_id, lambda current: registry.create_location(location, current)
    )


async def handle_replace_location(
    pool: AsyncConnectionPool, location: LocationRegistered
) -> Written[LocationRegistered]:
    return await _location_command(
        pool, location.location_id, lambda current: registry.replace_location(location, current)
    )


async def handle_patch_location(
    pool: AsyncConnectionPool, location_id: str, changes: Mapping[str, Any]
) -> Written[LocationRegistered]:
    return await _location_command(
        pool,
        location_id,
        lambda current: registry.patch_location(location_id, changes, current),
    )


async def handle_register_station(
    pool: AsyncConnectionPool, station: StationRegistered
) -> Written[StationRegistered]:
    return await _station_command(
        pool,
        station.station_id,
        lambda current, location: registry.create_station(station, current, location),
        station.location_id,
    )


async def handle_replace_station(
    pool: AsyncConnectionPool, station: StationRegistered
) -> Written[StationRegistered]:
    return await _station_command(
        pool,
        station.station_id,
        lambda current, location: registry.replace_station(station, current, location),
        station.location_id,
    )


async def handle_put_evse(
    pool: AsyncConnectionPool, station_id: str, evse: Evse
) -> Written[StationRegistered]:
    return await _station_command(
        pool,
        station_id,
        lambda current, location: registry.put_evse(station_id, evse, current, location),
    )


async def handle_remove_evse(
    pool: AsyncConnectionPool, station_id: str, evse_uid: str
) -> Written[StationRegistered]:
    return await _station_command(
        pool,
        station_id,
        lambda current, location: registry.remove_evse(station_id, evse_uid, current, location),
    )


async def handle_set_credentials(
    pool: AsyncConnectionPool,
    station_id: str,
    security_profile: int,
    now: datetime,
    save_secret: Callable[[AsyncConnection], Awaitable[None]],
) -> None:
    """Append `station.credentials_set` and let `save_secret` write the hash beside it, in one
    transaction: the log never holds the secret, and the secret never changes unrecorded."""

    async def attempt() -> None:
        async with pool.connection() as conn, conn.transaction():
            version, current = await load_station(conn, station_id)
            events = registry.set_credentials(station_id, current, security_profile, now)
            await save_secret(conn)
            await _append(conn, station_stream(station_id), version, events)

    await retry_on_conflict(attempt)
