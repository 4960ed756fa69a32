"""Authorize requests from the gateway, and roaming tokens from the roaming service.

A request decided from our own tokens is recorded and answered at once. One that needs the
token's eMSP (OCPI real-time authorization) is acknowledged, and the question to the roaming
service, the decision and the reply run in the background within the request's deadline, so
one slow eMSP never holds up the requests behind it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool

from evroam_authorization.domain.decider import (
    AskEmsp,
    KnownToken,
    Verdict,
    decision,
    judge,
    judge_answer,
)
from evroam_authorization.handlers.commands import register_token
from evroam_authorization.handlers.remote_starts import grant_for
from evroam_contracts import Envelope, Message
from evroam_contracts.authorization import AuthorizeToken, TokenRegistered
from evroam_contracts.ids import new_id
from evroam_contracts.roaming import AuthorizeRealtime, RealtimeAuthorization, TokenReceived
from evroam_contracts.shared import LocationReferences
from evroam_contracts.topics import ROAMING_REQUESTS
from evroam_eventstore import ConcurrencyError, EventStore, NewEvent
from evroam_messaging import BackgroundWork, PoisonEventError, Producer, Requester, send_reply
from evroam_messaging.consumer import AfterCommit
from evroam_messaging.request_reply import RequestTimeoutError, deadline_of, expired

log = logging.getLogger(__name__)
# Kept back from the gateway's deadline for our own append and reply.
REPLY_MARGIN = timedelta(milliseconds=250)
DEFAULT_REALTIME_S = 1.5


async def candidates(conn: AsyncConnection, uid: str) -> list[KnownToken]:
    async with conn.cursor(row_factory=class_row(KnownToken)) as cur:
        await cur.execute(
            "SELECT country_code, party_id, uid, type, contract_id, group_id, valid, whitelist,"
            " source FROM view_tokens_v2 WHERE uid = %s",
            (uid,),
        )
        return await cur.fetchall()


@dataclass(frozen=True)
class Authorizer:
    pool: AsyncConnectionPool
    producer: Producer
    roaming: Requester
    background: BackgroundWork

    async def on_authorize_token(
        self, conn: AsyncConnection, envelope: Envelope, message: Message
    ) -> AfterCommit | None:
        if not isinstance(message, AuthorizeToken):
            raise PoisonEventError(f"expected an authorize request, got {envelope.type}")
        if expired(envelope, datetime.now(UTC)):
            log.warning("authorize request %s arrived after its deadline", message.request_id)
            return None
        grant = await grant_for(conn, message.id_tag, message.station_id, datetime.now(UTC))
        verdict = judge(await candidates(conn, message.id_tag), grant)
        if isinstance(verdict, AskEmsp):
            ask = verdict

            async def in_background() -> None:
                await self.background.start(self._ask_emsp(envelope, message, ask))

            return in_background
        payload = await self._record(conn, envelope, message, verdict)
        return self._replier(envelope, payload)

    async def _record(
        self, conn: AsyncConnection, envelope: Envelope, request: AuthorizeToken, verdict: Verdict
    ) -> dict[str, Any]:
        """Append the decision; returns it as the reply payload."""
        event = decision(request, verdict, datetime.now(UTC), str(new_id()))
        await EventStore().append(
            conn,
            f"authorization-{request.request_id}",
            0,
            [
                NewEvent.of(
                    event,
                    correlation_id=envelope.correlation_id,
                    causation_id=str(envelope.event_id),
                )
            ],
        )
        return event.to_json_dict()

    def _replier(self, envelope: Envelope, payload: dict[str, Any]) -> AfterCommit:
        async def reply() -> None:
            await send_reply(self.producer, envelope, payload)

        return reply

    async def _ask_emsp(self, envelope: Envelope, request: AuthorizeToken, ask: AskEmsp) -> None:
        answer = await self._realtime(envelope, request, ask)
        verdict = judge_answer(ask.token, answer, request)
        try:
            async with self.pool.connection() as conn:
                payload = await self._record(conn, envelope, request, verdict)
        except ConcurrencyError:
            log.info("authorize request %s was already decided", request.request_id)
            return
        await self._replier(envelope, payload)()

    async def _realtime(
        self, envelope: Envelope, request: AuthorizeToken, ask: AskEmsp
    ) -> RealtimeAuthorization:
        deadline = deadline_of(envelope)
        budget = (
            DEFAULT_REALTIME_S
            if deadline is None
            else (deadline - REPLY_MARGIN - datetime.now(UTC)).total_seconds()
        )
        if budget <= 0:
            return RealtimeAuthorization(outcome="UNREACHABLE", detail="no time left to ask")
        question = AuthorizeRealtime(
            request_id=request.request_id,
            country_code=ask.token.country_code,
            party_id=ask.token.party_id,
            uid=ask.token.uid,
            type=ask.token.type,
            location=None
            if request.location_id is None
            else LocationReferences(
                location_id=request.location_id,
                evse_uids=(request.evse_uid,) if request.evse_uid else (),
            ),
        )
        try:
            reply = await self.roaming.request(
                ROAMING_REQUESTS,
                question,
                key=f"{ask.token.country_code}-{ask.token.party_id}",
                timeout_s=budget,
                correlation_id=envelope.correlation_id,
            )
        except RequestTimeoutError:
            return RealtimeAuthorization(outcome="UNREACHABLE", detail="roaming did not answer")
        return RealtimeAuthorization.model_validate(reply)


async def on_token_received(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """A token an eMSP partner pushed to us joins the registry, scoped to its issuing party
    (the roaming service only accepts a partner's pushes for its own party)."""
    if not isinstance(message, TokenReceived):
        raise PoisonEventError(f"expected roaming.token_received, got {envelope.type}")
    t = message.token
    await register_token(
        conn,
        TokenRegistered(
            **t.model_dump(exclude={"country_code", "party_id"}),
            country_code=t.country_code.upper(),
            party_id=t.party_id.upper(),
            source="roaming",
            partner_id=message.partner_id,
        ),
        correlation_id=envelope.correlation_id,
    )
    return None
