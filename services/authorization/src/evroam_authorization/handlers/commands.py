"""Commands of the authorization service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.authorization import TokenRegistered
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict


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


class TokenNotFoundError(LookupError):
    """No token was ever registered under this key."""


class RoamingTokenError(Exception):
    """The token belongs to a roaming partner: it changes only through OCPI."""


async def latest_token(conn: AsyncConnection, stream: str) -> tuple[int, TokenRegistered | None]:
    """The stream's version and its latest registration (commands read the write side)."""
    events = await EventStore().load(conn, stream)
    registered = [e for e in events if e.type == TokenRegistered.type_name]
    version = events[-1].stream_version if events else 0
    latest = TokenRegistered.model_validate(registered[-1].payload) if registered else None
    return version, latest


def _own(token: TokenRegistered | None) -> TokenRegistered:
    if token is None:
        raise TokenNotFoundError
    if token.source != "own":
        raise RoamingTokenError(token.partner_id)
    return token


async def handle_patch_token(
    pool: AsyncConnectionPool, stream: str, changes: dict[str, Any], now: datetime
) -> tuple[int, TokenRegistered]:
    """Load the token's stream, apply the patch to its latest registration, append the result
    with the expected version; the whole command runs again when the stream moved on."""

    async def attempt() -> tuple[int, TokenRegistered]:
        async with pool.connection() as conn:
            version, latest = await latest_token(conn, stream)
            stamped = changes | {"last_updated": changes.get("last_updated") or now}
            token = TokenRegistered.model_validate(_own(latest).model_dump() | stamped)
            [recorded] = await EventStore().append(conn, stream, version, [NewEvent.of(token)])
            return recorded.stream_version, token

    return await retry_on_conflict(attempt)
