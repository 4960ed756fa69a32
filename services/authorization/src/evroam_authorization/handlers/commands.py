"""Commands of the authorization service."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from evroam_contracts.authorization import TokenRegistered
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict


def token_stream(country_code: str, party_id: str, uid: str) -> str:
    return f"token-{country_code.upper()}-{party_id.upper()}-{uid}"


async def handle_register_token(pool: AsyncConnectionPool, token: TokenRegistered) -> int:
    """Create or replace a token (the latest registration wins); returns the stream version."""
    stream = token_stream(token.country_code, token.party_id, token.uid)

    async def attempt() -> int:
        async with pool.connection() as conn:
            store = EventStore()
            version = len(await store.load(conn, stream))
            await store.append(conn, stream, version, [NewEvent.of(token)])
            return version + 1

    return await retry_on_conflict(attempt)
