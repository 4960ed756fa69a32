"""Foreign events that become statement commands (consumer group evroam.billing.settlement):
an issued CDR of an eMSP partner's token is listed on that partner's statement, and a push of
a CDR that the partner took marks it SENT.

The two come on different topics, so either may come first: a delivery of a CDR not listed
yet is remembered and applied when the CDR comes. Both take a lock of the CDR first, so they
cannot pass each other unseen."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_billing.adapters import settlement_postgres as db
from evroam_billing.domain.statement_decider import (
    AddStatementLine,
    Delivery,
    MarkCdrSent,
    add_line,
    mark_sent,
)
from evroam_billing.domain.statements import (
    Party,
    StatementEvent,
    StatementRef,
    emsp_of,
    statement_of,
)
from evroam_billing.handlers.statement_commands import run_on_statement
from evroam_contracts import Envelope, Message
from evroam_contracts.cdr import Cdr, CdrIssued
from evroam_contracts.roaming import PushAttempted
from evroam_messaging import PoisonEventError
from evroam_messaging.consumer import AfterCommit, Handler


def on_cdr_issued(own_parties: frozenset[Party]) -> Handler:
    """cdr.issued -> AddStatementLine, unless the token is one of our own parties' (those
    drivers get invoices, not a partner's statement)."""

    async def handle(
        conn: AsyncConnection, envelope: Envelope, message: Message
    ) -> AfterCommit | None:
        if not isinstance(message, CdrIssued):
            raise PoisonEventError(f"expected cdr.issued, got {envelope.type}")
        await list_cdr(
            conn,
            message.cdr,
            message.time_zone,
            own_parties,
            correlation_id=envelope.correlation_id,
            causation_id=str(envelope.event_id),
        )
        return None

    return handle


async def list_cdr(
    conn: AsyncConnection,
    cdr: Cdr,
    time_zone: str,
    own_parties: frozenset[Party],
    *,
    correlation_id: str | None,
    causation_id: str | None,
) -> list[StatementEvent]:
    if emsp_of(cdr) in own_parties:
        await db.forget_delivery(conn, cdr.id)
        return []
    reference = cdr.credit_reference_id if cdr.credit else None
    await db.lock_cdrs(conn, [cdr.id] + ([reference] if reference else []))
    if await db.statement_of_cdr(conn, cdr.id) is not None:
        return []  # listed already: the CDR was published again
    ref = await _statement_for(conn, cdr, time_zone, reference)
    delivered = await db.early_delivery(conn, cdr.id)
    command = AddStatementLine(cdr, ref, delivered)
    events = await run_on_statement(
        conn,
        ref,
        lambda state: add_line(command, state),
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
    await db.remember_cdr(conn, cdr.id, ref.statement_id)
    if delivered is not None:
        await db.forget_delivery(conn, cdr.id)
    return events


async def _statement_for(
    conn: AsyncConnection, cdr: Cdr, time_zone: str, reference: str | None
) -> StatementRef:
    """A credit CDR goes on the statement of the CDR it cancels, so that the two net out in
    one place (OCPI has a credit repeat its CDR's data, so that is the same month anyway
    unless the credit differs); any other CDR on its own (domain/statements.py)."""
    if reference is not None:
        found = await db.statement_of_cdr(conn, reference)
        if found is not None and (ref := StatementRef.parse(found)) is not None:
            return ref
    return statement_of(cdr, time_zone)


def acted_on(message: Message) -> bool:
    """The group's consumer filter: every cdr.issued (one of our own tokens clears an early
    delivery), but of the pushes only the delivered ones of CDRs; sessions' and locations'
    pushes, far more frequent, are skipped before any transaction."""
    return not isinstance(message, PushAttempted) or _delivered_cdr(message)


def _delivered_cdr(message: PushAttempted) -> bool:
    return message.module == "cdrs" and message.outcome == "DELIVERED"


async def on_push_attempted(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """roaming.push_attempted of a CDR, DELIVERED (the partner answered OCPI 1000) -> SENT.
    Failed attempts change nothing: the roaming service retries, and dead letters are its
    operators' (GET /admin/pushes?state=DEAD there)."""
    if not isinstance(message, PushAttempted):
        raise PoisonEventError(f"expected roaming.push_attempted, got {envelope.type}")
    if not _delivered_cdr(message):
        return None
    cdr_id, delivery = message.object_id, Delivery(message.partner_id, message.attempted_at)
    await db.lock_cdrs(conn, [cdr_id])
    found = await db.statement_of_cdr(conn, cdr_id)
    ref = None if found is None else StatementRef.parse(found)
    if ref is None:
        await db.remember_delivery(conn, cdr_id, delivery)
        return None
    await run_on_statement(
        conn,
        ref,
        lambda state: mark_sent(MarkCdrSent(cdr_id, delivery), state),
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )
    return None
