"""Queries of the tariff service's tables (the only module that knows their names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message
from evroam_contracts.gateway import LocationRegistered
from evroam_pricing.assignment import Assignment, assignment_from_row


async def assignments(conn: AsyncConnection, location_id: str) -> list[Assignment]:
    cur = await conn.execute(
        "SELECT tariff_id, version, effective_from, location_id, sequence, evse_uid,"
        " connector_id, tariff_type, emsp_country_code, emsp_party_id"
        " FROM view_tariff_assignments_v2 WHERE location_id = %s",
        (location_id,),
    )
    return [assignment_from_row(row) for row in await cur.fetchall()]


async def retirements(conn: AsyncConnection) -> dict[str, datetime]:
    cur = await conn.execute("SELECT tariff_id, retired_from FROM view_tariff_retirements_v2")
    return {row[0]: row[1] for row in await cur.fetchall()}


async def tariff_version(conn: AsyncConnection, tariff_id: str, version: int) -> Any | None:
    cur = await conn.execute(
        "SELECT tariff FROM view_tariff_versions_v2 WHERE tariff_id = %s AND version = %s",
        (tariff_id, version),
    )
    row = await cur.fetchone()
    return None if row is None else row[0]


async def time_zone(conn: AsyncConnection, location_id: str) -> str | None:
    cur = await conn.execute(
        "SELECT time_zone FROM locations WHERE location_id = %s", (location_id,)
    )
    row = await cur.fetchone()
    return None if row is None else str(row[0])


async def on_location_registered(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, LocationRegistered)
    await conn.execute(
        "INSERT INTO locations VALUES (%s, %s, %s, %s) ON CONFLICT (location_id) DO UPDATE"
        " SET time_zone = excluded.time_zone, country_code = excluded.country_code,"
        " party_id = excluded.party_id",
        (msg.location_id, msg.time_zone, msg.country_code, msg.party_id),
    )
