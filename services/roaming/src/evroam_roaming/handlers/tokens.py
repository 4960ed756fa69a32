"""Tokens pushed by eMSP partners (OCPI 2.2.1 section 3.5, Receiver interface): load the
token's stream, decide, append with the expected version; the whole command retried on a
conflict. Reads go to the projection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import decode_payload
from evroam_contracts.roaming import TokenReceived
from evroam_contracts.shared import OcpiToken
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_roaming.adapters.postgres import PostgresTokens
from evroam_roaming.domain import tokens
from evroam_roaming.domain.errors import TokenNotFoundError
from evroam_roaming.domain.tokens import Receipt, TokenKey
from evroam_roaming.ocpi.tokens.models import patched

Change = Callable[[OcpiToken | None], OcpiToken]


def _now() -> datetime:
    return datetime.now(UTC)


class TokenReceiver:
    def __init__(self, pool: AsyncConnectionPool, clock: Callable[[], datetime] = _now) -> None:
        self._pool, self._clock = pool, clock
        self._view = PostgresTokens(pool)

    async def get(self, key: TokenKey) -> OcpiToken | None:
        return await self._view.get(key)

    async def put(self, partner_id: str, token: OcpiToken) -> Receipt:
        return await self._change(partner_id, TokenKey.of_token(token), lambda _: token)

    async def patch(self, partner_id: str, key: TokenKey, patch: Mapping[str, Any]) -> Receipt:
        """Raises TokenNotFoundError for a token never received, InvalidTokenError when the
        patched token is no valid Token."""

        def change(held: OcpiToken | None) -> OcpiToken:
            if held is None:
                raise TokenNotFoundError(f"no token {key.uid} ({key.type})")
            return patched(held, patch)

        return await self._change(partner_id, key, change)

    async def _change(self, partner_id: str, key: TokenKey, change: Change) -> Receipt:
        stream = tokens.token_stream(key)

        async def attempt() -> Receipt:
            store = EventStore()
            async with self._pool.connection() as conn:
                recorded = await store.load(conn, stream)
                state = tokens.fold(
                    m
                    for r in recorded
                    if isinstance(m := decode_payload(r.type, r.version, r.payload), TokenReceived)
                )
                receipt, events = tokens.receive(
                    change(state.token), state, partner_id=partner_id, now=self._clock()
                )
                await store.append(conn, stream, len(recorded), [NewEvent.of(e) for e in events])
            return receipt

        return await retry_on_conflict(attempt)
