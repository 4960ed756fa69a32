"""The consumer that keeps our own drivers' tokens for the eMSP role (OCPI 2.2.1 section 3.5,
Tokens Sender) and queues them for the CPOs that offer a Tokens Receiver. The handler runs in
the consumer's transaction, beside the processed-event row, so a token is kept and queued
exactly once however often its event comes; an older version of a token never replaces a
newer one."""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg import AsyncConnection
from pydantic import ValidationError

from evroam_contracts import Envelope, Message
from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.ocpi_json import render_json
from evroam_contracts.shared import OcpiToken
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer, PoisonEventError
from evroam_messaging.consumer import AfterCommit
from evroam_roaming.adapters import emsp_tokens, pushes
from evroam_roaming.domain.emsp_tokens import own_token, push_object_id, push_path
from evroam_roaming.domain.tokens import TokenKey
from evroam_roaming.ocpi.tokens.models import token_json

EMSP_TOKENS_GROUP = "evroam.roaming.emsp-tokens"


async def on_token_registered(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """One of our tokens created or changed: kept for the Sender, and pushed to the CPOs."""
    if not isinstance(message, TokenRegistered):
        raise PoisonEventError(f"expected token.registered, got {envelope.type}")
    try:
        token = own_token(message)
    except ValidationError as exc:  # the contract allows what OCPI does not (e.g. lengths)
        raise PoisonEventError(f"token.registered is no OCPI Token: {exc}"[:1000]) from exc
    if token is None:
        key = TokenKey.of(message.country_code, message.party_id, message.uid, message.type)
        await emsp_tokens.forget(conn, key, envelope.stream_version)
        return None
    if await emsp_tokens.keep(conn, token, envelope.stream_version):
        await _push(conn, token, envelope.correlation_id)
    return None


async def _push(conn: AsyncConnection, token: OcpiToken, correlation: str | None) -> None:
    """OCPI 2.2.1 section 3.5: `PUT {tokens}/{country_code}/{party_id}/{uid}?type=...`, the
    whole token, to every CPO with a Tokens Receiver; a newer version replaces one still
    queued. A CPO connecting later pulls the list instead (section 1.10)."""
    key = TokenKey.of_token(token)
    body = render_json(token_json(token))
    now = datetime.now(UTC)
    for receiver in await emsp_tokens.token_receivers(conn):
        await pushes.enqueue(
            conn,
            receiver,
            "tokens",
            push_object_id(key),
            body,
            correlation,
            now,
            method="PUT",
            path=push_path(key),
            latest_wins=True,
        )


def emsp_tokens_consumer(group: str = EMSP_TOKENS_GROUP) -> Consumer:
    """Our own tokens from the authorization service (table `emsp_tokens`)."""
    return Consumer(
        group=group,
        topics=[events_topic("authorization")],
        handlers={TokenRegistered.type_name: on_token_registered},
        service="roaming",
    )
