"""What the session service knows of tariffs, from the tariff service's events, and which
version a session locks (the shared assignment rule). Runs inside the consumer's transaction,
with the processed-event row."""

from __future__ import annotations

import json
from datetime import datetime

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message
from evroam_contracts.gateway import AuthorizationSnapshot
from evroam_contracts.shared import LocationSnapshot, TariffLock
from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired
from evroam_pricing.assignment import (
    SessionScope,
    assignment_from_row,
    assignment_sequence,
    resolve,
)


async def tariff_in_force(
    conn: AsyncConnection, scope: SessionScope, at: datetime
) -> TariffLock | None:
    """The version the shared assignment rule picks for `scope` at `at`."""
    cur = await conn.execute(
        "SELECT tariff_id, version, effective_from, location_id, sequence, evse_uid,"
        " connector_id, tariff_type, emsp_country_code, emsp_party_id"
        " FROM tariff_assignments WHERE location_id = %s",
        (scope.location_id,),
    )
    candidates = [assignment_from_row(row) for row in await cur.fetchall()]
    cur = await conn.execute("SELECT tariff_id, retired_from FROM tariff_retirements")
    retired = {row[0]: row[1] for row in await cur.fetchall()}
    chosen = resolve(candidates, retired, scope, at)
    if chosen is None:
        return None
    cur = await conn.execute(
        "SELECT tariff FROM tariff_versions WHERE tariff_id = %s AND version = %s",
        (chosen.tariff_id, chosen.version),
    )
    row = await cur.fetchone()
    return (
        None
        if row is None
        else TariffLock(tariff_id=chosen.tariff_id, version=chosen.version, tariff=row[0])
    )


def scope_of(location: LocationSnapshot, auth: AuthorizationSnapshot) -> SessionScope:
    emsp = (
        (auth.token_country_code.upper(), auth.token_party_id.upper())
        if auth.token_country_code and auth.token_party_id
        else None
    )
    tariff_type = "AD_HOC_PAYMENT" if auth.token_type == "AD_HOC_USER" else "REGULAR"
    return SessionScope(location.id, location.evse_uid, location.connector_id, tariff_type, emsp)


async def on_tariff_published(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TariffPublished)
    await conn.execute(
        "INSERT INTO tariff_versions VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (msg.tariff_id, msg.tariff_version, json.dumps(msg.tariff)),
    )


async def on_tariff_assigned(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TariffAssigned)
    await conn.execute(
        "INSERT INTO tariff_assignments (location_id, effective_from, tariff_id, version,"
        " sequence, evse_uid, connector_id, tariff_type, emsp_country_code, emsp_party_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            msg.location_id,
            msg.effective_from,
            msg.tariff_id,
            msg.tariff_version,
            assignment_sequence(env.time),
            msg.evse_uid,
            msg.connector_id,
            msg.tariff_type,
            msg.emsp_country_code,
            msg.emsp_party_id,
        ),
    )


async def on_tariff_retired(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TariffRetired)
    await conn.execute(
        "INSERT INTO tariff_retirements VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (msg.tariff_id, msg.retired_from),
    )
