"""The push queue (`ocpi_pushes`, sql/0004) and the partner endpoints pushes go to. The only
module that knows these tables' SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opentelemetry import propagate
from psycopg import AsyncConnection
from psycopg.rows import class_row, dict_row

from evroam_roaming.domain.partners import Party


@dataclass(frozen=True)
class QueuedPush:
    push_id: int
    partner_id: str
    module: str
    object_id: str
    body: str
    correlation_id: str | None
    attempts: int
    next_attempt_at: datetime
    method: str = "POST"
    path: str = ""
    to_country_code: str | None = None
    to_party_id: str | None = None
    url: str | None = None  # an absolute URL instead of the Receiver's (a CommandResult)
    traceparent: str | None = None  # of the work that queued it: the push continues its trace

    @property
    def to(self) -> Party | None:
        """Whom it is addressed to, when not the partner itself (a hub's client)."""
        if self.to_country_code and self.to_party_id:
            return Party(self.to_country_code, self.to_party_id)
        return None


@dataclass(frozen=True)
class Receiver:
    """A partner's Receiver endpoint of a module, and the token we present to it (B)."""

    partner_id: str
    party: Party
    url: str
    token: str


async def receiver_of_owner(conn: AsyncConnection, owner: Party, module: str) -> Receiver | None:
    """The connected partner that owns `owner`'s objects, if it offers `module` as RECEIVER;
    else a hub that has `owner` as a CONNECTED client (OCPI 2.2.1 section 1.5: addressed via
    the hub, TO stays the owner)."""
    where, args = "c.country_code = %s AND c.party_id = %s", (owner.country_code, owner.party_id)
    direct = await _receiver(conn, where, args, module)
    if direct is not None:
        return direct
    cur = await conn.execute(
        "SELECT c.partner_id, c.endpoints, s.credentials_token FROM ocpi_hub_clients h"
        " JOIN view_partner_connections_v1 c ON c.partner_id = h.hub_partner_id"
        " JOIN partner_secrets s USING (partner_id)"
        " WHERE h.country_code = %s AND h.party_id = %s AND h.status = 'CONNECTED'"
        # A party registered with us itself is never reached through a hub claiming it.
        " AND NOT EXISTS (SELECT 1 FROM view_partners_v1 p WHERE p.country_code = h.country_code"
        " AND p.party_id = h.party_id AND p.partner_id <> h.hub_partner_id)"
        " ORDER BY h.last_updated DESC LIMIT 1",
        (owner.country_code, owner.party_id),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    hub_id, endpoints, token = row
    url = _receiver_url(endpoints, module)
    return Receiver(hub_id, owner, url, token) if url else None


async def receivers_of(conn: AsyncConnection, module: str) -> list[Receiver]:
    """Every connected partner that offers `module` as RECEIVER (locations are for all)."""
    cur = await conn.execute(
        "SELECT c.partner_id, c.country_code, c.party_id, c.endpoints, s.credentials_token"
        " FROM view_partner_connections_v1 c JOIN partner_secrets s USING (partner_id)"
        " ORDER BY c.partner_id"
    )
    found = []
    for partner_id, cc, pid, endpoints, token in await cur.fetchall():
        url = _receiver_url(endpoints, module)
        if url:
            found.append(Receiver(partner_id, Party(cc, pid), url, token))
    return found


def _receiver_url(endpoints: list[dict[str, str]], module: str) -> str | None:
    urls = [e["url"] for e in endpoints if e["identifier"] == module and e["role"] == "RECEIVER"]
    return urls[0] if urls else None


async def receiver_of_partner(
    conn: AsyncConnection, partner_id: str, module: str
) -> Receiver | None:
    return await _receiver(conn, "c.partner_id = %s", (partner_id,), module)


async def receiver_at(conn: AsyncConnection, partner_id: str, url: str) -> Receiver | None:
    """The connected partner reached at an absolute URL it gave us (a command's
    `response_url`), whatever endpoints it offers."""
    cur = await conn.execute(
        "SELECT c.country_code, c.party_id, s.credentials_token"
        " FROM view_partner_connections_v1 c JOIN partner_secrets s USING (partner_id)"
        " WHERE c.partner_id = %s",
        (partner_id,),
    )
    row = await cur.fetchone()
    return Receiver(partner_id, Party(row[0], row[1]), url, row[2]) if row else None


async def _receiver(
    conn: AsyncConnection, where: str, args: tuple[str, ...], module: str
) -> Receiver | None:
    cur = await conn.execute(
        "SELECT c.partner_id, c.country_code, c.party_id, c.endpoints, s.credentials_token"
        " FROM view_partner_connections_v1 c JOIN partner_secrets s USING (partner_id)"
        f" WHERE {where} ORDER BY c.exchanged_at DESC LIMIT 1",
        args,
    )
    row = await cur.fetchone()
    if row is None:
        return None
    partner_id, cc, pid, endpoints, token = row
    url = _receiver_url(endpoints, module)
    return Receiver(partner_id, Party(cc, pid), url, token) if url else None


async def enqueue(
    conn: AsyncConnection,
    receiver: Receiver,
    module: str,
    object_id: str,
    body: str,
    correlation_id: str | None,
    now: datetime,
    *,
    method: str = "POST",
    path: str = "",
    latest_wins: bool = False,
    url: str | None = None,
) -> None:
    """Queue a push. An immutable object (a CDR) is queued once, whatever comes again; for an
    object that changes (`latest_wins`: a session, an EVSE) the newest state replaces the one
    queued or sent, and goes (again) when its turn comes: PUT sends the whole object.

    The current trace context (the consumer span of the event that caused the push) is kept
    with it, so the push, sent later from the pusher's loop, shows in that trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    conflict = (
        "DO UPDATE SET body = excluded.body, correlation_id = excluded.correlation_id,"
        " traceparent = excluded.traceparent,"
        " state = 'PENDING', attempts = 0, next_attempt_at = excluded.next_attempt_at,"
        " last_error = NULL WHERE ocpi_pushes.body IS DISTINCT FROM excluded.body"
        if latest_wins
        else "DO NOTHING"
    )
    await conn.execute(
        "INSERT INTO ocpi_pushes (partner_id, module, object_id, body, correlation_id,"
        " next_attempt_at, created_at, method, path, to_country_code, to_party_id, url,"
        " traceparent) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        f" ON CONFLICT (partner_id, module, object_id) {conflict}",
        (
            receiver.partner_id,
            module,
            object_id,
            body,
            correlation_id,
            now,
            now,
            method,
            path,
            receiver.party.country_code,
            receiver.party.party_id,
            url,
            carrier.get("traceparent"),
        ),
    )


async def heads(conn: AsyncConnection) -> list[QueuedPush]:
    """The oldest pending push of each partner: pushes go out in order, one partner's failing
    head holding back the rest of its queue (never another partner's)."""
    async with conn.cursor(row_factory=class_row(QueuedPush)) as cur:
        await cur.execute(
            "SELECT DISTINCT ON (partner_id) push_id, partner_id, module, object_id, body,"
            " correlation_id, attempts, next_attempt_at, method, path, to_country_code,"
            " to_party_id, url, traceparent FROM ocpi_pushes"
            " WHERE state = 'PENDING' ORDER BY partner_id, push_id"
        )
        return await cur.fetchall()


async def counts(conn: AsyncConnection) -> tuple[int, int]:
    """How many pushes are pending, and how many dead (the dead-letter list)."""
    cur = await conn.execute(
        "SELECT count(*) FILTER (WHERE state = 'PENDING'), count(*) FILTER (WHERE state = 'DEAD')"
        " FROM ocpi_pushes"
    )
    row = await cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def record_attempt(
    conn: AsyncConnection,
    push_id: int,
    *,
    state: str,
    attempts: int,
    next_attempt_at: datetime | None,
    error: str | None,
    location: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        "UPDATE ocpi_pushes SET state = %s, attempts = %s,"
        " next_attempt_at = coalesce(%s, next_attempt_at), last_error = %s,"
        " location = coalesce(%s, location),"
        " delivered_at = CASE WHEN %s = 'DELIVERED' THEN %s::timestamptz END"
        " WHERE push_id = %s",
        (state, attempts, next_attempt_at, error, location, state, at, push_id),
    )


async def replay(conn: AsyncConnection, push_id: int, now: datetime) -> QueuedPush | None:
    """A dead push goes back to the queue with its attempts counted from zero."""
    async with conn.cursor(row_factory=class_row(QueuedPush)) as cur:
        await cur.execute(
            "UPDATE ocpi_pushes SET state = 'PENDING', attempts = 0, next_attempt_at = %s"
            " WHERE push_id = %s AND state = 'DEAD' RETURNING push_id, partner_id, module,"
            " object_id, body, correlation_id, attempts, next_attempt_at, method, path,"
            " to_country_code, to_party_id, url, traceparent",
            (now, push_id),
        )
        return await cur.fetchone()


async def listing(
    conn: AsyncConnection, state: str | None, partner_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """Pushes for the admin API, oldest first, without their bodies."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT push_id, partner_id, module, object_id, state, attempts, next_attempt_at,"
            " last_error, location, created_at, delivered_at FROM ocpi_pushes"
            " WHERE (%(s)s::text IS NULL OR state = %(s)s)"
            " AND (%(p)s::text IS NULL OR partner_id = %(p)s) ORDER BY push_id LIMIT %(n)s",
            {"s": state, "p": partner_id, "n": limit},
        )
        return await cur.fetchall()
