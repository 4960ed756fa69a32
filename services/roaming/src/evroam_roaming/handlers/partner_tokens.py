"""Issue token A again for a partner (the admin API): load the party's stream, decide, append
with the expected version (the whole command retried on a conflict)."""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import decode_payload
from evroam_contracts.ids import new_id
from evroam_contracts.roaming import PartnerRegistered, PartnerTokenReissued
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_roaming.domain import partners
from evroam_roaming.domain.partner_tokens import IssueTokenA, issue_token_a
from evroam_roaming.handlers.commands import new_credentials_token


async def handle_issue_token_a(
    pool: AsyncConnectionPool, command: IssueTokenA
) -> tuple[PartnerRegistered | PartnerTokenReissued, str]:
    """The event and the new token A, which exists only in this return value (the log keeps
    its SHA-256). A PartnerRegistered means the party came back as a new partner."""
    token, new_partner_id = new_credentials_token(), str(new_id())
    stream = partners.partner_stream(command.country_code, command.party_id)

    async def attempt() -> PartnerRegistered | PartnerTokenReissued:
        store = EventStore()
        async with pool.connection() as conn:
            recorded = await store.load(conn, stream)
            # A reissued token changes nothing the decider folds (PartnerState holds no
            # token), so the fold skips it like any event that is not a PartnerEvent.
            state = partners.fold(
                m
                for r in recorded
                if isinstance(
                    m := decode_payload(r.type, r.version, r.payload), partners.PartnerEvent
                )
            )
            events = issue_token_a(
                command, state, new_partner_id=new_partner_id, token=token, now=datetime.now(UTC)
            )
            await store.append(conn, stream, len(recorded), [NewEvent.of(e) for e in events])
        return events[0]

    return await retry_on_conflict(attempt), token
