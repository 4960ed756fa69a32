"""Tokens eMSPs sent with commands (OCPI 2.2.1 section 13): a START_SESSION or RESERVE_NOW
the roaming service accepted for one of our stations grants that token at that station until
the command's `valid_until` (table `remote_start_grants`, sql/0002). The authorize request
that follows (the station's Authorize or transaction start) is then accepted with
auth_method COMMAND and the eMSP's authorization_reference, without asking the eMSP again."""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection

from evroam_authorization.domain.decider import CommandGrant, KnownToken
from evroam_contracts import Envelope, Message
from evroam_contracts.roaming import RemoteCommandReceived
from evroam_messaging import PoisonEventError
from evroam_messaging.consumer import AfterCommit

_GRANTING = frozenset({"START_SESSION", "RESERVE_NOW"})


async def on_command_received(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    if not isinstance(message, RemoteCommandReceived):
        raise PoisonEventError(f"expected roaming.command_received, got {envelope.type}")
    t = message.token
    if (
        message.command not in _GRANTING
        or message.response != "ACCEPTED"
        or t is None
        or message.station_id is None
        or message.valid_until is None
    ):
        return None
    await conn.execute(
        "INSERT INTO remote_start_grants (command_id, uid, station_id, valid_until,"
        " country_code, party_id, token_type, contract_id, group_id, authorization_reference,"
        " received_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (command_id) DO NOTHING",
        (
            message.command_id,
            t.uid,
            message.station_id,
            message.valid_until,
            t.country_code.upper(),
            t.party_id.upper(),
            t.type,
            t.contract_id,
            t.group_id,
            message.authorization_reference,
            message.received_at,
        ),
    )
    return None


async def grant_for(
    conn: AsyncConnection, uid: str, station_id: str, now: datetime
) -> CommandGrant | None:
    """The newest grant of this id tag at this station still in force."""
    cur = await conn.execute(
        "SELECT country_code, party_id, token_type, contract_id, group_id,"
        " authorization_reference FROM remote_start_grants"
        " WHERE uid = %s AND station_id = %s AND valid_until > %s"
        " ORDER BY received_at DESC LIMIT 1",
        (uid, station_id, now),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    cc, pid, type_, contract_id, group_id, reference = row
    token = KnownToken(cc, pid, uid, type_, contract_id, group_id, True, "NEVER", "command")
    return CommandGrant(token, reference)
