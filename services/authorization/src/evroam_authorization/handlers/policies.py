"""Authorize requests from the gateway: decide, record the decision, then reply."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row

from evroam_authorization.domain.decider import KnownToken, decide
from evroam_contracts import Envelope, Message
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.ids import new_id
from evroam_eventstore import EventStore, NewEvent
from evroam_messaging import Producer, send_reply
from evroam_messaging.consumer import AfterCommit
from evroam_messaging.request_reply import expired

log = logging.getLogger(__name__)


async def candidates(conn: AsyncConnection, uid: str) -> list[KnownToken]:
    async with conn.cursor(row_factory=class_row(KnownToken)) as cur:
        await cur.execute(
            "SELECT country_code, party_id, uid, type, contract_id, group_id, valid, whitelist"
            " FROM view_tokens_v2 WHERE uid = %s",
            (uid,),
        )
        return await cur.fetchall()


def on_authorize_token(producer: Producer):  # type: ignore[no-untyped-def]
    async def handle(
        conn: AsyncConnection, envelope: Envelope, message: Message
    ) -> AfterCommit | None:
        assert isinstance(message, AuthorizeToken)
        now = datetime.now(UTC)
        if expired(envelope, now):
            log.warning("authorize request %s arrived after its deadline", message.request_id)
            return None
        decision = decide(message, await candidates(conn, message.id_tag), now, str(new_id()))
        await EventStore().append(
            conn,
            f"authorization-{message.request_id}",
            0,
            [
                NewEvent.of(
                    decision,
                    correlation_id=envelope.correlation_id,
                    causation_id=str(envelope.event_id),
                ),
            ],
        )

        async def reply() -> None:
            await send_reply(producer, envelope, decision.to_json_dict())

        return reply

    return handle
