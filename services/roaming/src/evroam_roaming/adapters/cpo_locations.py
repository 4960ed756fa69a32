"""Locations partners may pull (tables `ocpi_locations`, `ocpi_stations`, `ocpi_evses`):
written by the CPO objects consumer in its transaction, read by the Sender interface.

Each writer is idempotent on its own, beside the consumer's processed-event row: an event of
a stream version we already applied (a duplicate, or an older copy) changes nothing.
`last_updated` moves only when what partners read changes, and never backwards; a Location's
is the latest of its own and its EVSEs' (OCPI 2.2.1 section 3.1).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.gateway import LocationRegistered
from evroam_contracts.ocpi_json import format_datetime, ocpi_instant
from evroam_roaming.adapters.paging import page_params, paged
from evroam_roaming.ocpi.locations.models import (
    StoredEvse,
    evse_to_ocpi,
    location_object,
    location_to_ocpi,
)
from evroam_roaming.ocpi.locations.stations import (
    REMOVED,
    EvseView,
    StationEvent,
    StationState,
    evolve_station,
    station_evses,
)
from evroam_roaming.ocpi.pagination import PageRequest


def _json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


async def apply_location(
    conn: AsyncConnection, location: LocationRegistered, version: int, at: datetime
) -> None:
    """A location registered or updated (each event carries its whole state)."""
    at = ocpi_instant(at)
    await conn.execute(
        "INSERT INTO ocpi_locations (location_id, stream_version, changed_at, last_updated,"
        " location) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (location_id) DO UPDATE SET stream_version = excluded.stream_version,"
        " changed_at = CASE WHEN ocpi_locations.location = excluded.location"
        " THEN ocpi_locations.changed_at"
        " ELSE GREATEST(ocpi_locations.changed_at, excluded.changed_at) END,"
        " location = excluded.location"
        " WHERE excluded.stream_version > ocpi_locations.stream_version",
        (location.location_id, version, at, at, json.dumps(location_object(location))),
    )
    await _touch_locations(conn, [location.location_id])


@dataclass(frozen=True)
class StatusChange:
    """An EVSE whose OCPI status changed, and where it is: what partners are told."""

    country_code: str
    party_id: str
    location_id: str
    evse_uid: str
    status: str
    last_updated: datetime


async def apply_station_event(
    conn: AsyncConnection, station_id: str, event: StationEvent, version: int, at: datetime
) -> list[StatusChange]:
    """A station's registry entry, a status change or a connection: fold it into the
    station's state and show the EVSEs that changed; the status changes among them."""
    cur = await conn.execute(
        "SELECT stream_version, state::text FROM ocpi_stations WHERE station_id = %s FOR UPDATE",
        (station_id,),
    )
    row = await cur.fetchone()
    if row is not None and version <= row[0]:
        return []  # applied already, or older than what we hold
    state = StationState.model_validate_json(row[1]) if row else StationState(station_id=station_id)
    after = evolve_station(state, event)
    await conn.execute(
        "INSERT INTO ocpi_stations (station_id, stream_version, state) VALUES (%s, %s, %s)"
        " ON CONFLICT (station_id) DO UPDATE SET stream_version = excluded.stream_version,"
        " state = excluded.state",
        (station_id, version, after.model_dump_json()),
    )
    if after == state:
        return []
    return await _show_evses(conn, after, ocpi_instant(at))


async def _show_evses(
    conn: AsyncConnection, state: StationState, at: datetime
) -> list[StatusChange]:
    cur = await conn.execute(
        "SELECT location_id, evse_uid, status, evse::text FROM ocpi_evses"
        " WHERE station_id = %s AND NOT removed",
        (state.station_id,),
    )
    shown = {(r[0], r[1]): (r[2], _json(r[3])) for r in await cur.fetchall()}
    now = station_evses(state, {k: v[1] for k, v in shown.items()}, format_datetime(at))
    changed = [v for v in now if shown.get((v.location_id, v.uid)) != (v.status, v.evse)]
    for view in changed:
        await _upsert_evse(conn, state.station_id, view, at)
    gone = shown.keys() - {(v.location_id, v.uid) for v in now}
    for location_id, uid in gone:
        # Never deleted (section 3.1): the EVSE left this location, it stays as REMOVED.
        await conn.execute(
            "UPDATE ocpi_evses SET removed = true, status = %s,"
            " last_updated = GREATEST(last_updated, %s)"
            " WHERE location_id = %s AND evse_uid = %s",
            (REMOVED, at, location_id, uid),
        )
    await _touch_locations(conn, {v.location_id for v in changed} | {k[0] for k in gone})
    moved = [
        (v.location_id, v.uid, v.status)
        for v in changed
        if shown.get((v.location_id, v.uid), ("",))[0] != v.status
    ]
    return await _status_changes(conn, [*moved, *((loc, uid, REMOVED) for loc, uid in gone)], at)


async def _status_changes(
    conn: AsyncConnection, moved: list[tuple[str, str, str]], at: datetime
) -> list[StatusChange]:
    """With the CPO of each location (its OCPI country_code and party_id)."""
    if not moved:
        return []
    cur = await conn.execute(
        "SELECT location_id, location->>'country_code', location->>'party_id'"
        " FROM ocpi_locations WHERE location_id = ANY(%s)",
        (sorted({m[0] for m in moved}),),
    )
    owners = {r[0]: (r[1], r[2]) for r in await cur.fetchall()}
    return [
        StatusChange(*owners[loc], loc, uid, status, at)
        for loc, uid, status in moved
        if loc in owners  # an EVSE of a location not registered yet is nobody's news
    ]


async def _upsert_evse(
    conn: AsyncConnection, station_id: str, view: EvseView, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO ocpi_evses (location_id, evse_uid, station_id, status, removed,"
        " last_updated, evse) VALUES (%s, %s, %s, %s, false, %s, %s)"
        " ON CONFLICT (location_id, evse_uid) DO UPDATE SET station_id = excluded.station_id,"
        " status = excluded.status, removed = false, evse = excluded.evse,"
        " last_updated = GREATEST(ocpi_evses.last_updated, excluded.last_updated)",
        (view.location_id, view.uid, station_id, view.status, at, json.dumps(view.evse)),
    )


async def _touch_locations(conn: AsyncConnection, location_ids: Iterable[str]) -> None:
    ids = sorted(set(location_ids))
    if not ids:
        return
    await conn.execute(
        "UPDATE ocpi_locations l SET last_updated = GREATEST(l.last_updated, l.changed_at,"
        " (SELECT max(e.last_updated) FROM ocpi_evses e WHERE e.location_id = l.location_id))"
        " WHERE l.location_id = ANY(%s)",
        (ids,),
    )


_LOCATION_FILTER = (
    " FROM ocpi_locations WHERE (%(date_from)s::timestamptz IS NULL"
    " OR last_updated >= %(date_from)s)"
    " AND (%(date_to)s::timestamptz IS NULL OR last_updated < %(date_to)s)"
)
# Ids are CiStrings (section 1.9): matched whatever their case, the exact spelling first.
_BY_LOCATION_ID = "upper(location_id) = upper(%(location_id)s)"


class PostgresLocations:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def page(self, request: PageRequest) -> tuple[int, list[dict[str, Any]]]:
        async with self._pool.connection() as conn, conn.transaction():
            total, rows = await paged(
                conn,
                "location_id, location::text, last_updated",
                _LOCATION_FILTER,
                "last_updated, location_id",
                page_params(request),
            )
            evses = await _evses(conn, [r[0] for r in rows])  # the same snapshot
        return total, [location_to_ocpi(_json(r[1]), evses.get(r[0], []), r[2]) for r in rows]

    async def location(self, location_id: str) -> dict[str, Any] | None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur = await conn.execute(
                "SELECT location_id, location::text, last_updated FROM ocpi_locations"
                f" WHERE {_BY_LOCATION_ID}"
                " ORDER BY location_id = %(location_id)s DESC LIMIT 1",
                {"location_id": location_id},
            )
            row = await cur.fetchone()
            if row is None:
                return None
            evses = await _evses(conn, [row[0]])
        return location_to_ocpi(_json(row[1]), evses.get(row[0], []), row[2])

    async def evse(self, location_id: str, evse_uid: str) -> dict[str, Any] | None:
        """An EVSE of a location we know (one whose station came first is not shown yet)."""
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT e.evse::text AS evse, e.status, e.last_updated"
                " FROM ocpi_evses e JOIN ocpi_locations l USING (location_id)"
                " WHERE upper(e.location_id) = upper(%(location_id)s)"
                " AND upper(e.evse_uid) = upper(%(evse_uid)s)"
                " ORDER BY e.location_id = %(location_id)s DESC,"
                " e.evse_uid = %(evse_uid)s DESC LIMIT 1",
                {"location_id": location_id, "evse_uid": evse_uid},
            )
            row = await cur.fetchone()
        if row is None:
            return None
        return evse_to_ocpi(StoredEvse(_json(row["evse"]), row["status"], row["last_updated"]))


async def _evses(conn: AsyncConnection, location_ids: list[str]) -> Mapping[str, list[StoredEvse]]:
    cur = await conn.execute(
        "SELECT location_id, evse::text, status, last_updated FROM ocpi_evses"
        " WHERE location_id = ANY(%s) ORDER BY location_id, evse_uid",
        (location_ids,),
    )
    found: dict[str, list[StoredEvse]] = {}
    for location_id, evse, status, last_updated in await cur.fetchall():
        found.setdefault(location_id, []).append(StoredEvse(_json(evse), status, last_updated))
    return found
