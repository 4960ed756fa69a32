"""Real-time authorization responder (OCPI 2.2.1 section 6.1, we are the CPO): an
AuthorizeRealtime request becomes `POST {tokens}/{uid}/authorize` at the token owner's eMSP,
and its answer the reply.

The consumer's handler only looks the eMSP up; the HTTP call runs after the commit in a
background task, so it holds no database transaction and the consumer goes on with other
requests meanwhile. Tasks are bounded (BackgroundWork) and cancelled at shutdown; each ends
before the request's deadline, with a margin for the reply to travel back.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message
from evroam_contracts.ids import new_id
from evroam_contracts.roaming import AuthorizeRealtime, RealtimeAuthorization
from evroam_messaging import BackgroundWork, PoisonEventError, Producer, send_reply
from evroam_messaging.consumer import AfterCommit, Handler
from evroam_messaging.request_reply import deadline_of, expired
from evroam_roaming.adapters.ocpi_client import OcpiClient
from evroam_roaming.adapters.postgres import tokens_sender
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.tokens.authorize import TokensSender, authorize_call, unreachable

log = logging.getLogger(__name__)


class RealtimeAuthorizer:
    def __init__(
        self,
        producer: Producer,
        client: OcpiClient,
        us: Party,
        *,
        max_in_flight: int = 64,
        margin_s: float = 0.15,
        default_timeout_s: float = 5.0,
    ) -> None:
        self._producer, self._client, self._us = producer, client, us
        self._work = BackgroundWork("ocpi-authorize", max_in_flight)
        self._margin_s, self._default_timeout_s = margin_s, default_timeout_s

    def handler(self) -> Handler:
        return on_authorize_realtime(self)

    @property
    def in_flight(self) -> int:
        return self._work.running

    async def start(
        self, request: Envelope, command: AuthorizeRealtime, sender: TokensSender
    ) -> None:
        """Ask in the background once a slot is free (a flood waits at the consumer)."""
        await self._work.start(self._ask(request, command, sender))

    async def reply(self, request: Envelope, answer: RealtimeAuthorization) -> None:
        await send_reply(self._producer, request, answer.model_dump(mode="json"))

    async def close(self) -> None:
        """Cancel the calls in flight: nobody will read their replies once we are gone."""
        await self._work.stop()

    async def run(self, stop: asyncio.Event) -> None:
        """A host task: at shutdown, cancel what is in flight."""
        await stop.wait()
        await self.close()

    def budget_s(self, request: Envelope, now: datetime) -> float:
        """Seconds the call may take: up to the deadline minus the margin."""
        deadline = deadline_of(request)
        if deadline is None:
            return self._default_timeout_s
        return (deadline - now).total_seconds() - self._margin_s

    async def _ask(
        self, request: Envelope, command: AuthorizeRealtime, sender: TokensSender
    ) -> None:
        budget = self.budget_s(request, datetime.now(UTC))
        if budget <= 0:
            log.warning("authorize request %s: too late to ask the eMSP", command.request_id)
            return
        call = authorize_call(
            sender,
            command,
            us=self._us,
            request_id=str(new_id()),
            correlation_id=request.correlation_id or command.request_id,
        )
        loop = asyncio.get_running_loop()
        ends = loop.time() + budget
        try:
            async with asyncio.timeout_at(ends):
                answer = await self._client.authorize(call, max(0.001, ends - loop.time()))
        except TimeoutError:
            answer = unreachable(f"no answer within {budget * 1000:.0f} ms")
        try:
            await self.reply(request, answer)
        except Exception:
            log.exception("reply to authorize request %s failed", command.request_id)


def on_authorize_realtime(authorizer: RealtimeAuthorizer) -> Handler:
    async def handle(
        conn: AsyncConnection, envelope: Envelope, message: Message
    ) -> AfterCommit | None:
        if not isinstance(message, AuthorizeRealtime):
            raise PoisonEventError(f"expected roaming.authorize_realtime, got {envelope.type}")
        if expired(envelope, datetime.now(UTC)):
            log.warning("authorize request %s arrived after its deadline", message.request_id)
            return None
        sender = await tokens_sender(conn, Party.of(message.country_code, message.party_id))

        async def after_commit() -> None:
            if sender is None:
                await authorizer.reply(envelope, _no_partner(message))
            else:
                await authorizer.start(envelope, message, sender)

        return after_commit

    return handle


def _no_partner(command: AuthorizeRealtime) -> RealtimeAuthorization:
    return RealtimeAuthorization(
        outcome="NO_PARTNER",
        detail=f"no registered eMSP with a tokens SENDER endpoint for"
        f" {command.country_code.upper()}*{command.party_id.upper()}",
    )
