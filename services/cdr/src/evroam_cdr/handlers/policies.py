"""Foreign events that become our commands."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_cdr.domain.decider import IssueCdr
from evroam_cdr.handlers.commands import handle_issue_cdr
from evroam_contracts import Envelope, Message
from evroam_contracts.session import SessionCompleted
from evroam_messaging import PoisonEventError
from evroam_messaging.consumer import AfterCommit


async def on_session_completed(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """session.completed -> IssueCdr. A failed check raises, and the consumer dead-letters
    the event with the error's message as the reason."""
    if not isinstance(message, SessionCompleted):
        raise PoisonEventError(f"expected session.completed, got {envelope.type}")
    await handle_issue_cdr(
        conn,
        IssueCdr(message),
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )
    return None
