"""Commands of the roaming service: load the stream, decide, append with the expected version
(the whole command retried on a conflict)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import decode_payload
from evroam_contracts.ids import new_id
from evroam_contracts.roaming import PartnerRegistered
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_roaming.domain import partners

# 32 random bytes: 43 URL-safe characters, inside OCPI's 64 printable-ASCII limit.
TOKEN_BYTES = 32


def new_credentials_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def handle_register_partner(
    pool: AsyncConnectionPool, command: partners.RegisterPartner
) -> tuple[PartnerRegistered, str]:
    """Register a partner; returns the event and the credentials token, which exists only in
    this return value (the caller hands it out once; the log keeps its SHA-256)."""
    token, partner_id = new_credentials_token(), str(new_id())
    stream = partners.partner_stream(command.country_code, command.party_id)

    async def attempt() -> PartnerRegistered:
        store = EventStore()
        async with pool.connection() as conn:
            recorded = await store.load(conn, stream)
            # The whole history: a party that unregistered may be registered again.
            state = partners.fold(
                m
                for r in recorded
                if isinstance(
                    m := decode_payload(r.type, r.version, r.payload), partners.PartnerEvent
                )
            )
            events = partners.register(
                command, state, partner_id=partner_id, token=token, now=datetime.now(UTC)
            )
            await store.append(conn, stream, len(recorded), [NewEvent.of(e) for e in events])
        return events[0]

    return await retry_on_conflict(attempt), token
