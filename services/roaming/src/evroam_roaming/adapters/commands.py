"""Commands eMSPs sent us (`ocpi_commands`), the reservation ids we mapped (`ocpi_reservations`,
sql/0007), and what a command needs to know of our EVSEs and sessions (the CPO objects'
tables). The only module that knows these tables' SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from evroam_roaming.domain.commands import KnownEvse, KnownSession
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.locations.stations import StationState


@dataclass(frozen=True)
class ReceivedCommand:
    command_id: str
    partner_id: str
    country_code: str
    party_id: str
    command: str
    response_url: str
    station_id: str
    action: str
    received_at: datetime
    result: str | None = None


async def evses_at(conn: AsyncConnection, location_id: str) -> list[KnownEvse] | None:
    """The EVSEs at a location (ids are CiStrings: any case), or None for no such location."""
    cur = await conn.execute(
        "SELECT location_id FROM ocpi_locations WHERE upper(location_id) = upper(%s)",
        (location_id,),
    )
    if await cur.fetchone() is None:
        return None
    cur = await conn.execute(
        "SELECT e.location_id, e.evse_uid, e.station_id, s.state::text FROM ocpi_evses e"
        " JOIN ocpi_stations s USING (station_id)"
        " WHERE upper(e.location_id) = upper(%s) AND NOT e.removed ORDER BY e.evse_uid",
        (location_id,),
    )
    found = []
    for loc, uid, station_id, state in await cur.fetchall():
        station = StationState.model_validate_json(state)
        evse = next((e for e in station.evses if e.evse_uid == uid), None)
        connectors = {c.connector_id: c.ocpp_connector_id for c in evse.connectors} if evse else {}
        found.append(KnownEvse(loc, uid, station_id, connectors))
    return found


async def session_of(conn: AsyncConnection, session_id: str) -> KnownSession | None:
    cur = await conn.execute(
        "SELECT session_id, token_country_code, token_party_id, session->>'status',"
        " station_id, transaction_id FROM ocpi_sessions WHERE upper(session_id) = upper(%s)",
        (session_id,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    sid, cc, pid, status, station_id, transaction_id = row
    owner = Party(cc, pid) if cc and pid else None
    return KnownSession(sid, owner, status, station_id, transaction_id)


async def charging_at(
    conn: AsyncConnection, location_id: str, evse_uid: str, connector_id: str
) -> list[Party]:
    """The eMSPs (token owners) of the sessions still running at a connector."""
    cur = await conn.execute(
        "SELECT DISTINCT token_country_code, token_party_id FROM ocpi_sessions"
        " WHERE session->>'status' NOT IN ('COMPLETED', 'INVALID')"
        " AND upper(session->>'location_id') = upper(%s)"
        " AND upper(session->>'evse_uid') = upper(%s)"
        " AND upper(session->>'connector_id') = upper(%s) AND token_country_code IS NOT NULL"
        " ORDER BY 1, 2",
        (location_id, evse_uid, connector_id),
    )
    return [Party(cc, pid) for cc, pid in await cur.fetchall()]


async def reservation_number(
    conn: AsyncConnection, emsp: Party, reservation_id: str, station_id: str
) -> int:
    """The OCPP reservation id for the eMSP's: the same one again for the same reservation
    (OCPI 2.2.1 section 13.3.4: a RESERVE_NOW again replaces it)."""
    cur = await conn.execute(
        "INSERT INTO ocpi_reservations (country_code, party_id, reservation_id, station_id)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (country_code, party_id, reservation_id)"
        " DO UPDATE SET station_id = excluded.station_id RETURNING ocpp_reservation_id",
        (emsp.country_code, emsp.party_id, reservation_id.upper(), station_id),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def reservation_of(
    conn: AsyncConnection, emsp: Party, reservation_id: str
) -> tuple[str, int] | None:
    cur = await conn.execute(
        "SELECT station_id, ocpp_reservation_id FROM ocpi_reservations"
        " WHERE country_code = %s AND party_id = %s AND reservation_id = %s",
        (emsp.country_code, emsp.party_id, reservation_id.upper()),
    )
    row = await cur.fetchone()
    return (str(row[0]), int(row[1])) if row else None


async def record_command(conn: AsyncConnection, command: ReceivedCommand) -> None:
    await conn.execute(
        "INSERT INTO ocpi_commands (command_id, partner_id, country_code, party_id, command,"
        " response_url, station_id, action, received_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            command.command_id,
            command.partner_id,
            command.country_code,
            command.party_id,
            command.command,
            command.response_url,
            command.station_id,
            command.action,
            command.received_at,
        ),
    )


async def command_of(conn: AsyncConnection, command_id: str) -> ReceivedCommand | None:
    """The command, locked until the transaction ends (its result is written once)."""
    async with conn.cursor(row_factory=class_row(ReceivedCommand)) as cur:
        await cur.execute(
            "SELECT command_id, partner_id, country_code, party_id, command, response_url,"
            " station_id, action, received_at, result FROM ocpi_commands"
            " WHERE command_id = %s FOR UPDATE",
            (command_id,),
        )
        return await cur.fetchone()


async def record_result(conn: AsyncConnection, command_id: str, result: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE ocpi_commands SET result = %s, result_at = %s WHERE command_id = %s",
        (result, at, command_id),
    )
