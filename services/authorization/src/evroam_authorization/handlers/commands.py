"""Commands of the authorization service."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_contracts.authorization import TokenRegistered
from evroam_eventstore import EventStore, NewEvent


def token_stream(country_code: str, party_id: str, uid: str, token_type: str) -> str:
    return f"token-{country_code.upper()}-{party_id.upper()}-{token_type}-{uid}"


async def register_token(
    conn: AsyncConnection, token: TokenRegistered, correlation_id: str | None = None
) -> int:
    """Create or replace a token (the latest registration wins) inside the caller's
    transaction; returns the stream version. A registration records a fact and decides
    nothing, so it appends at the stream's end."""
    stream = token_stream(token.country_code, token.party_id, token.uid, token.type)
    [recorded] = await EventStore().append(
        conn, stream, None, [NewEvent.of(token, correlation_id=correlation_id)]
    )
    return recorded.stream_version
