"""Commands of the authorization service."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from evroam_contracts.authorization import TokenRegistered
from evroam_eventstore import EventStore, NewEvent


def token_stream(country_code: str, party_id: str, uid: str) -> str:
    return f"token-{country_code.upper()}-{party_id.upper()}-{uid}"


async def handle_register_token(pool: AsyncConnectionPool, token: TokenRegistered) -> int:
    """Create or replace a token (the latest registration wins); returns the stream version."""
    stream = token_stream(token.country_code, token.party_id, token.uid)
    async with pool.connection() as conn:
        [recorded] = await EventStore().append(conn, stream, None, [NewEvent.of(token)])
    return recorded.stream_version
