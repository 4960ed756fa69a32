"""The CDR service's reference tables (what it has seen of sessions, locations and tokens) and
the lookups of its read models. The only module that knows table names besides projections."""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection

from evroam_cdr.domain.checks import Known

# (country code, party id, id): a location of a CPO, a token of an eMSP.
Place = tuple[str, str, str]


async def session_seen(conn: AsyncConnection, session_id: str, started_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO known_sessions VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (session_id, started_at),
    )


async def location_seen(
    conn: AsyncConnection, country_code: str, party_id: str, location_id: str
) -> None:
    await conn.execute(
        "INSERT INTO known_locations VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (country_code.upper(), party_id.upper(), location_id),
    )


async def token_seen(conn: AsyncConnection, country_code: str, party_id: str, uid: str) -> None:
    await conn.execute(
        "INSERT INTO known_tokens VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (country_code.upper(), party_id.upper(), uid),
    )


async def known(
    conn: AsyncConnection, session_id: str | None, location: Place, token: Place
) -> Known:
    """Which of a CDR's session, location and token evroam has seen; a location is keyed by
    its CPO (country code, party id, id), a token by its eMSP and uid."""
    cur = await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM known_sessions WHERE session_id = %s),"
        " EXISTS (SELECT 1 FROM known_locations WHERE country_code = %s AND party_id = %s"
        " AND location_id = %s),"
        " EXISTS (SELECT 1 FROM known_tokens WHERE country_code = %s AND party_id = %s"
        " AND uid = %s)",
        (session_id, *_upper(location), *_upper(token)),
    )
    row = await cur.fetchone()
    assert row is not None
    return Known(session=row[0], location=row[1], token=row[2])


def _upper(place: Place) -> Place:
    return (place[0].upper(), place[1].upper(), place[2])


async def session_of_review(conn: AsyncConnection, cdr_id: str) -> str | None:
    """The session whose stream holds the review of `cdr_id`."""
    cur = await conn.execute(
        "SELECT session_id FROM view_cdr_reviews_v1 WHERE cdr_id = %s", (cdr_id,)
    )
    row = await cur.fetchone()
    return None if row is None else str(row[0])
