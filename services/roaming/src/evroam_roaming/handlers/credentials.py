"""The registration handshake, partner-initiated (OCPI 2.2.1 section 2.3): the partner
presents the token we issued at registration (A) and its own (B); we fetch its endpoints with
B, record the exchange with a fresh token (C) and answer with C. An update (PUT, section 2.4)
runs the same steps with the partner's new token and gives it a new C; unregistering (DELETE,
section 2.5) ends the connection and forgets the token we presented."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import decode_payload
from evroam_contracts.roaming import PartnerCredentialsExchanged
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_roaming.adapters.ocpi_client import OcpiClient
from evroam_roaming.adapters.postgres import delete_partner_secret, save_partner_secret
from evroam_roaming.domain import partners
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    CredentialsNotExchangedError,
    RegisteredPartyNotInRolesError,
)
from evroam_roaming.domain.partners import ExchangeCredentials, Partner, Party, token_sha256
from evroam_roaming.handlers.commands import new_credentials_token
from evroam_roaming.ocpi.auth import PartnerDirectory
from evroam_roaming.ocpi.credentials.models import Credentials

log = logging.getLogger(__name__)
RECOGNISE_TIMEOUT_S = 5.0  # how long we wait for the partners projection to know token C
Decide = Callable[..., list[PartnerCredentialsExchanged]]


def _now() -> datetime:
    return datetime.now(UTC)


class CredentialsHandshake:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        client: OcpiClient,
        directory: PartnerDirectory,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._pool, self._client, self._directory, self._clock = pool, client, directory, clock

    async def register(self, partner: Partner, credentials: Credentials) -> str:
        """Steps 5 and 6; returns token C. Nothing changes unless every step succeeded."""
        # Refuse what we can before calling the partner; the decider checks again.
        if (await self._load(partner.party))[1].credentials_exchanged:
            raise CredentialsAlreadyExchangedError(
                f"partner {partner.partner_id} is already registered; use PUT to update"
            )
        return await self._exchange_with(partner, credentials, partners.exchange_credentials)

    async def update(self, partner: Partner, credentials: Credentials) -> str:
        """Section 2.4: the same steps with the partner's new token; returns a new token C."""
        if not (await self._load(partner.party))[1].credentials_exchanged:
            raise CredentialsNotExchangedError(
                f"partner {partner.partner_id} is not registered over OCPI yet: POST first"
            )
        return await self._exchange_with(partner, credentials, partners.update_credentials)

    async def unregister(self, partner: Partner) -> None:
        """Section 2.5: the partner's token stops working and its token B is forgotten."""
        await retry_on_conflict(lambda: self._unregister(partner.party))
        await self._until(lambda found: not found, partner.token_sha256)

    async def _exchange_with(
        self, partner: Partner, credentials: Credentials, decide: Decide
    ) -> str:
        roles = tuple(Party.of(r.country_code, r.party_id) for r in credentials.roles)
        if partner.party not in roles:
            party = partner.party
            raise RegisteredPartyNotInRolesError(
                f"roles must include the registered party {party.country_code}*{party.party_id}"
            )
        version, endpoints = await self._client.version_endpoints(
            credentials.url, credentials.token
        )
        command = ExchangeCredentials(partner.party, roles, credentials.url, version, endpoints)
        token_c = new_credentials_token()
        await retry_on_conflict(lambda: self._exchange(command, decide, credentials.token, token_c))
        await self._until(bool, token_sha256(token_c))
        return token_c

    async def _load(self, party: Party) -> tuple[int, partners.PartnerState]:
        async with self._pool.connection() as conn:
            recorded = await EventStore().load(conn, partners.partner_stream(*_ids(party)))
        events = [decode_payload(r.type, r.version, r.payload) for r in recorded]
        state = partners.fold(e for e in events if isinstance(e, partners.PartnerEvent))
        return len(recorded), state

    async def _exchange(
        self, command: ExchangeCredentials, decide: Decide, token_b: str, token_c: str
    ) -> None:
        version, state = await self._load(command.party)
        now = self._clock()
        events = decide(command, state, token=token_c, now=now)
        stream = partners.partner_stream(*_ids(command.party))
        async with self._pool.connection() as conn, conn.transaction():
            await EventStore().append(conn, stream, version, [NewEvent.of(e) for e in events])
            await save_partner_secret(conn, events[0].partner_id, command.party, token_b, now)

    async def _unregister(self, party: Party) -> None:
        version, state = await self._load(party)
        events = partners.unregister(state, party, now=self._clock())
        stream = partners.partner_stream(*_ids(party))
        async with self._pool.connection() as conn, conn.transaction():
            await EventStore().append(conn, stream, version, [NewEvent.of(e) for e in events])
            await delete_partner_secret(conn, events[0].partner_id)

    async def _until(self, done: Callable[[bool], bool], sha256: str) -> None:
        """Answer only once our API accepts token C (or, unregistering, no longer accepts the
        token), so the partner's next call does not meet a projection a step behind."""
        loop = asyncio.get_running_loop()
        ends = loop.time() + RECOGNISE_TIMEOUT_S
        while loop.time() < ends:
            if done(bool(await self._directory.by_token_sha256([sha256]))):
                return
            await asyncio.sleep(0.02)
        # The change is recorded: answering is still right, the projection catches up.
        log.warning("partners projection has not caught up with a credentials change")


def _ids(party: Party) -> tuple[str, str]:
    return party.country_code, party.party_id
