"""The session service's own working tables (besides its event store and projections): where
each session takes place, and every connector status reported. Nothing else knows them."""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection

from evroam_contracts.session import ChargingStateChange
from evroam_session.domain.state import SessionState


async def record_place(conn: AsyncConnection, state: SessionState) -> None:
    """Where the session is and whether it is open, as its state now says."""
    opening = state.started or state.pending
    if opening is None:
        return
    ended = state.completed.ended_at if state.completed else (state.end.at if state.end else None)
    await conn.execute(
        "INSERT INTO session_connectors (session_id, station_id, ocpp_connector_id, started_at,"
        " ended_at, open) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (session_id) DO UPDATE"
        " SET ocpp_connector_id = excluded.ocpp_connector_id, started_at = excluded.started_at,"
        " ended_at = excluded.ended_at, open = excluded.open,"
        " unfinished_since = NULL::timestamptz",
        (
            state.session_id,
            opening.station_id,
            opening.ocpp_connector_id,
            opening.started_at,
            ended,
            state.is_open,
        ),
    )


async def mark_unfinished(conn: AsyncConnection, session_id: str, since: datetime) -> None:
    await conn.execute(
        "UPDATE session_connectors SET unfinished_since = %s WHERE session_id = %s AND open",
        (since, session_id),
    )


async def open_on_station(conn: AsyncConnection, station_id: str, before: datetime) -> list[str]:
    cur = await conn.execute(
        "SELECT session_id FROM session_connectors WHERE station_id = %s AND open"
        " AND started_at < %s ORDER BY session_id",
        (station_id, before),
    )
    return [row[0] for row in await cur.fetchall()]


async def on_connector(
    conn: AsyncConnection, station_id: str, connector: int, at: datetime
) -> list[str]:
    """Sessions on the connector whose span (as far as known) includes `at`."""
    cur = await conn.execute(
        "SELECT session_id FROM session_connectors WHERE station_id = %s"
        " AND ocpp_connector_id = %s AND started_at <= %s AND (ended_at IS NULL OR ended_at >= %s)"
        " ORDER BY session_id",
        (station_id, connector, at, at),
    )
    return [row[0] for row in await cur.fetchall()]


async def unfinished(conn: AsyncConnection, before: datetime) -> list[tuple[str, datetime]]:
    cur = await conn.execute(
        "SELECT session_id, unfinished_since FROM session_connectors"
        " WHERE open AND unfinished_since IS NOT NULL AND unfinished_since < %s"
        " ORDER BY unfinished_since LIMIT 100",
        (before,),
    )
    return [(row[0], row[1]) for row in await cur.fetchall()]


async def record_state(
    conn: AsyncConnection, station_id: str, connector: int, change: ChargingStateChange
) -> None:
    await conn.execute(
        "INSERT INTO connector_states VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (station_id, connector, change.at, change.state, change.station_clock),
    )


async def states_since(
    conn: AsyncConnection, station_id: str, connector: int, at: datetime
) -> tuple[ChargingStateChange, ...]:
    """The connector's states from the last one reported at or before `at`."""
    cur = await conn.execute(
        "SELECT at, state, station_clock FROM connector_states"
        " WHERE station_id = %s AND ocpp_connector_id = %s AND at >= coalesce("
        "  (SELECT max(at) FROM connector_states WHERE station_id = %s"
        "   AND ocpp_connector_id = %s AND at <= %s), %s) ORDER BY at",
        (station_id, connector, station_id, connector, at, at),
    )
    return tuple(
        ChargingStateChange(at=row[0], state=row[1], station_clock=row[2])
        for row in await cur.fetchall()
    )
