"""Each partner's status for the admin API: its registration, its OCPI connection, its pushes.

Partners that are registered now come from the partner projections. A partner's history (the
handshake, credentials updates, reissued tokens, unregistering) comes from its stream in the
log, which also keeps the partners that unregistered: the projections drop those. No token
and no token hash is ever part of a status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.rows import class_row, dict_row
from pydantic import BaseModel

from evroam_contracts import Message, decode_payload
from evroam_contracts.roaming import (
    PartnerCredentialsExchanged,
    PartnerCredentialsUpdated,
    PartnerEndpoint,
    PartnerRegistered,
    PartnerTokenReissued,
    PartnerUnregistered,
    Role,
)
from evroam_eventstore import EventStore
from evroam_roaming.domain.partners import partner_stream

# REGISTERED: token A issued, the handshake (OCPI 2.2.1 section 2.3) not done yet.
ConnectionState = Literal["REGISTERED", "CONNECTED", "UNREGISTERED"]
PushState = Literal["PENDING", "DELIVERED", "DEAD"]


class PushCounts(BaseModel):
    pending: int = 0
    delivered: int = 0
    dead: int = 0


class PartnerSummary(BaseModel):
    partner_id: str
    name: str
    country_code: str
    party_id: str
    role: Role
    registered_at: datetime
    state: ConnectionState
    pushes: PushCounts = PushCounts()


class LastPushError(BaseModel):
    """The push whose latest attempt failed most recently; `at` is when it is tried again
    (PENDING) or when its last attempt was due (DEAD)."""

    push_id: int
    module: str
    object_id: str
    state: PushState
    attempts: int
    error: str
    at: datetime


class HubClient(BaseModel):
    """A party behind a hub, as the hub reported it (HubClientInfo, OCPI 2.2.1 section 3.8)."""

    country_code: str
    party_id: str
    role: str
    status: str
    last_updated: datetime


class PartnerStatus(PartnerSummary):
    token_a_issued_at: datetime
    handshake_at: datetime | None = None
    credentials_updated_at: datetime | None = None
    unregistered_at: datetime | None = None
    # What it published at the handshake or its latest update (kept once it unregistered).
    versions_url: str | None = None
    ocpi_version: str | None = None
    endpoints: list[PartnerEndpoint] = []
    last_push_error: LastPushError | None = None
    hub_clients: list[HubClient] | None = None  # for a partner with role HUB only


@dataclass(frozen=True)
class History:
    """One partner as its stream tells it; several partners may share a stream, one after
    the other, when a party unregisters and is registered again."""

    registered: PartnerRegistered
    state: ConnectionState = "REGISTERED"
    token_a_issued_at: datetime | None = None
    handshake_at: datetime | None = None
    credentials_updated_at: datetime | None = None
    unregistered_at: datetime | None = None
    connection: PartnerCredentialsExchanged | None = None


def evolve(history: History, event: Message) -> History:
    if isinstance(event, PartnerTokenReissued):
        return replace(history, token_a_issued_at=event.reissued_at)
    if isinstance(event, PartnerCredentialsUpdated):  # before its base class
        connected = replace(history, state="CONNECTED", connection=event)
        return replace(connected, credentials_updated_at=event.exchanged_at)
    if isinstance(event, PartnerCredentialsExchanged):
        connected = replace(history, state="CONNECTED", connection=event)
        return replace(connected, handshake_at=event.exchanged_at)
    if isinstance(event, PartnerUnregistered):
        return replace(history, state="UNREGISTERED", unregistered_at=event.unregistered_at)
    return history


def fold(events: Iterable[Message]) -> dict[str, History]:
    """Every partner the events speak of, by partner id, in order of registration."""
    found: dict[str, History] = {}
    for event in events:
        partner_id = getattr(event, "partner_id", None)
        if isinstance(event, PartnerRegistered):
            found[event.partner_id] = History(event, token_a_issued_at=event.registered_at)
        elif partner_id in found:
            found[partner_id] = evolve(found[partner_id], event)
    return found


def summary(history: History, pushes: PushCounts) -> PartnerSummary:
    r = history.registered
    return PartnerSummary(
        partner_id=r.partner_id,
        name=r.name,
        country_code=r.country_code,
        party_id=r.party_id,
        role=r.role,
        registered_at=r.registered_at,
        state=history.state,
        pushes=pushes,
    )


def status(history: History, pushes: PushCounts) -> PartnerStatus:
    connection = history.connection
    return PartnerStatus(
        **summary(history, pushes).model_dump(),
        token_a_issued_at=history.token_a_issued_at or history.registered.registered_at,
        handshake_at=history.handshake_at,
        credentials_updated_at=history.credentials_updated_at,
        unregistered_at=history.unregistered_at,
        versions_url=connection.versions_url if connection else None,
        ocpi_version=connection.ocpi_version if connection else None,
        endpoints=list(connection.endpoints) if connection else [],
    )


# ---- queries ---------------------------------------------------------------------------

_REGISTERED = PartnerRegistered.type_name
_UNREGISTERED = PartnerUnregistered.type_name


async def registered_now(conn: AsyncConnection) -> list[PartnerSummary]:
    """Partners registered now, REGISTERED or CONNECTED, oldest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT p.partner_id, p.name, p.country_code, p.party_id, p.role, p.registered_at,"
            " CASE WHEN c.partner_id IS NULL THEN 'REGISTERED' ELSE 'CONNECTED' END AS state"
            " FROM view_partners_v1 p LEFT JOIN view_partner_connections_v1 c USING (partner_id)"
            " ORDER BY p.registered_at, p.partner_id"
        )
        rows = await cur.fetchall()
    counts = await push_counts(conn, [r["partner_id"] for r in rows])
    return [PartnerSummary(**r, pushes=counts.get(r["partner_id"], PushCounts())) for r in rows]


async def unregistered(conn: AsyncConnection) -> list[PartnerSummary]:
    """Partners that unregistered. They are only in the log, which this reads by event type:
    a scan of the events table, fine for an operator's occasional look."""
    cur = await conn.execute(
        "SELECT type, version, payload FROM events WHERE type = ANY(%s) ORDER BY position",
        ([_REGISTERED, _UNREGISTERED],),
    )
    gone = [h for h in fold(_decoded(await cur.fetchall())).values() if h.state == "UNREGISTERED"]
    counts = await push_counts(conn, [h.registered.partner_id for h in gone])
    return [summary(h, counts.get(h.registered.partner_id, PushCounts())) for h in gone]


async def history_of(conn: AsyncConnection, partner_id: str) -> History | None:
    stream = await _stream_of(conn, partner_id)
    if stream is None:
        return None
    recorded = await EventStore().load(conn, stream)
    return fold(_decoded((r.type, r.version, r.payload) for r in recorded)).get(partner_id)


async def partner_status(conn: AsyncConnection, partner_id: str) -> PartnerStatus | None:
    history = await history_of(conn, partner_id)
    if history is None:
        return None
    counts = await push_counts(conn, [partner_id])
    found = status(history, counts.get(partner_id, PushCounts()))
    found.last_push_error = await last_push_error(conn, partner_id)
    if found.role == "HUB":
        found.hub_clients = await hub_clients(conn, partner_id)
    return found


async def _stream_of(conn: AsyncConnection, partner_id: str) -> str | None:
    cur = await conn.execute(
        "SELECT country_code, party_id FROM view_partners_v1 WHERE partner_id = %s",
        (partner_id,),
    )
    if row := await cur.fetchone():
        return partner_stream(row[0], row[1])
    # Not registered now (unregistered, unknown, or not projected yet): ask the log.
    cur = await conn.execute(
        "SELECT stream_id FROM events WHERE type = %s AND payload ->> 'partner_id' = %s LIMIT 1",
        (_REGISTERED, partner_id),
    )
    row = await cur.fetchone()
    return str(row[0]) if row else None


def _decoded(rows: Iterable[tuple[Any, ...]]) -> list[Message]:
    """(type, version, payload) rows as messages, upcast to their current version."""
    return [decode_payload(type_name, version, payload) for type_name, version, payload in rows]


# The push queue's SQL lives in adapters/pushes.py; these are the admin's counts of it.
async def push_counts(conn: AsyncConnection, partner_ids: Sequence[str]) -> dict[str, PushCounts]:
    cur = await conn.execute(
        "SELECT partner_id, count(*) FILTER (WHERE state = 'PENDING'),"
        " count(*) FILTER (WHERE state = 'DELIVERED'), count(*) FILTER (WHERE state = 'DEAD')"
        " FROM ocpi_pushes WHERE partner_id = ANY(%s) GROUP BY partner_id",
        (list(partner_ids),),
    )
    return {
        pid: PushCounts(pending=pending, delivered=delivered, dead=dead)
        for pid, pending, delivered, dead in await cur.fetchall()
    }


async def last_push_error(conn: AsyncConnection, partner_id: str) -> LastPushError | None:
    async with conn.cursor(row_factory=class_row(LastPushError)) as cur:
        await cur.execute(
            "SELECT push_id, module, object_id, state, attempts, last_error AS error,"
            " next_attempt_at AS at FROM ocpi_pushes"
            " WHERE partner_id = %s AND last_error IS NOT NULL AND state <> 'DELIVERED'"
            " ORDER BY next_attempt_at DESC, push_id DESC LIMIT 1",
            (partner_id,),
        )
        return await cur.fetchone()


async def hub_clients(conn: AsyncConnection, hub_partner_id: str) -> list[HubClient]:
    async with conn.cursor(row_factory=class_row(HubClient)) as cur:
        await cur.execute(
            "SELECT country_code, party_id, role, status, last_updated FROM ocpi_hub_clients"
            " WHERE hub_partner_id = %s ORDER BY country_code, party_id",
            (hub_partner_id,),
        )
        return await cur.fetchall()
