"""Foreign events that become our commands, or facts the CDR checks look up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from psycopg import AsyncConnection

from evroam_cdr.adapters import postgres
from evroam_cdr.domain.checks import Policy
from evroam_cdr.domain.decider import CdrEvent, CdrState, IssueCdr, issue
from evroam_cdr.handlers.commands import known_of_session, run
from evroam_contracts import Envelope, Message
from evroam_contracts.authorization import AuthorizationDecided, TokenRegistered
from evroam_contracts.gateway import LocationRegistered
from evroam_contracts.session import SessionCompleted, SessionStarted
from evroam_messaging import PoisonEventError, RetryLaterError

Handler = Callable[[AsyncConnection, Envelope, Message], Awaitable[None]]


def on_session_completed(policy: Policy, reference_grace: timedelta) -> Handler:
    """session.completed and session.corrected -> IssueCdr: the CDR is issued, or held for
    review with its reasons; a correction credits the CDR in force and issues a new one."""

    async def handle(conn: AsyncConnection, envelope: Envelope, message: Message) -> None:
        if not isinstance(message, SessionCompleted):
            raise PoisonEventError(f"expected session.completed, got {envelope.type}")
        known = await known_of_session(conn, message)
        now = datetime.now(UTC)
        if not known.all and now - message.ended_at < reference_grace:
            # Topics are not ordered with each other: a location or token registered just
            # before this session may still be on its way to the references consumer.
            raise RetryLaterError(f"session {message.session_id}: waiting for {known.missing}")
        command = IssueCdr(message, known, policy, now)

        async def decide(state: CdrState) -> list[CdrEvent]:
            return issue(command, state)

        await run(
            conn,
            message.session_id,
            decide,
            correlation_id=envelope.correlation_id,
            causation_id=str(envelope.event_id),
        )

    return handle


async def on_session_started(conn: AsyncConnection, envelope: Envelope, message: Message) -> None:
    if not isinstance(message, SessionStarted):
        raise PoisonEventError(f"expected session.started, got {envelope.type}")
    await postgres.session_seen(conn, message.session_id, message.started_at)


async def on_location_registered(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> None:
    """station.location_registered and station.location_updated (a subclass)."""
    if not isinstance(message, LocationRegistered):
        raise PoisonEventError(f"expected a location event, got {envelope.type}")
    await postgres.location_seen(conn, message.country_code, message.party_id, message.location_id)


async def on_token_registered(conn: AsyncConnection, envelope: Envelope, message: Message) -> None:
    if not isinstance(message, TokenRegistered):
        raise PoisonEventError(f"expected token.registered, got {envelope.type}")
    await postgres.token_seen(conn, message.country_code, message.party_id, message.uid)


async def on_authorization_decided(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> None:
    """A token an eMSP accepted in real time is known, though it was never pushed to us."""
    if not isinstance(message, AuthorizationDecided):
        raise PoisonEventError(f"expected authorization.decided, got {envelope.type}")
    token = message.token
    if message.status == "ACCEPTED" and token is not None:
        await postgres.token_seen(conn, token.country_code, token.party_id, token.uid)
