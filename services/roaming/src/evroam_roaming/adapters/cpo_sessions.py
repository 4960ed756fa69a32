"""Sessions partners may pull (table `ocpi_sessions`): written by the CPO objects consumer in
its transaction, read by the Sender interface. An event of a stream version we already
applied (a duplicate, or an older copy) changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ocpi_json import ocpi_instant
from evroam_contracts.session import SessionPending, SessionStarted
from evroam_roaming.adapters.paging import page_params, paged
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.pagination import PageRequest
from evroam_roaming.ocpi.sessions.models import OcpiSession, SessionEvent, evolve_session


async def apply_session_event(
    conn: AsyncConnection, session_id: str, event: SessionEvent, version: int, at: datetime
) -> OcpiSession | None:
    """The session as partners now read it, or None when the event changed nothing."""
    cur = await conn.execute(
        "SELECT stream_version, session::text FROM ocpi_sessions WHERE session_id = %s FOR UPDATE",
        (session_id,),
    )
    row = await cur.fetchone()
    if row is not None and version <= row[0]:
        return None  # applied already, or older than what we hold
    current = OcpiSession.model_validate_json(row[1]) if row else None
    after = evolve_session(current, event, ocpi_instant(at))
    if after is None:
        return None
    owner = after.token_owner
    await conn.execute(
        "INSERT INTO ocpi_sessions (session_id, token_country_code, token_party_id,"
        " stream_version, last_updated, session) VALUES (%s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (session_id) DO UPDATE SET"
        " token_country_code = excluded.token_country_code,"
        " token_party_id = excluded.token_party_id, stream_version = excluded.stream_version,"
        " last_updated = excluded.last_updated, session = excluded.session",
        (
            session_id,
            owner.country_code if owner else None,
            owner.party_id if owner else None,
            version,
            after.last_updated,
            after.model_dump_json(),
        ),
    )
    if isinstance(event, SessionPending | SessionStarted):  # where STOP_SESSION goes
        await conn.execute(
            "UPDATE ocpi_sessions SET station_id = %s, transaction_id = %s WHERE session_id = %s",
            (event.station_id, event.transaction_id, session_id),
        )
    return after


_SESSION_FILTER = (
    " FROM ocpi_sessions WHERE token_country_code = %(cc)s AND token_party_id = %(pid)s"
    " AND (%(date_from)s::timestamptz IS NULL OR last_updated >= %(date_from)s)"
    " AND (%(date_to)s::timestamptz IS NULL OR last_updated < %(date_to)s)"
)


class PostgresSessions:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def page(
        self, token_owner: Party, request: PageRequest
    ) -> tuple[int, Sequence[OcpiSession]]:
        async with self._pool.connection() as conn, conn.transaction():
            total, rows = await paged(
                conn,
                "session::text",
                _SESSION_FILTER,
                "last_updated, session_id",
                page_params(request, token_owner),
            )
        return total, [OcpiSession.model_validate_json(r[0]) for r in rows]
