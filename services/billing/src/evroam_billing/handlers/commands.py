"""Driver-invoice commands: lock the contract, load its stream, decide, take the numbers the
decision needs, append with the expected version.

A command runs inside the caller's transaction (a consumer's, which also writes the
processed-event row; or one per contract for a close), so its events, its numbers and the
tracking row commit together. Each attempt is a savepoint: a conflict rolls back the numbers
it took with its append, and the whole command is retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_billing.adapters import invoice_store
from evroam_billing.domain.decider import (
    BillCdr,
    ClosePeriod,
    Command,
    Decision,
    IssueInvoice,
    Numbered,
    decide,
    decide_close,
)
from evroam_billing.domain.errors import PeriodNotEndedError
from evroam_billing.domain.periods import check_period, period_ended
from evroam_billing.domain.state import Account, fold
from evroam_contracts import decode_payload
from evroam_contracts.base import Event
from evroam_contracts.billing import InvoiceIssued
from evroam_contracts.cdr import Cdr
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict


@dataclass(frozen=True)
class Causes:
    """The metadata the appended events carry: the event (or request) that caused them."""

    correlation_id: str | None = None
    causation_id: str | None = None


def contract_stream(contract_id: str) -> str:
    return f"contract-{contract_id}"


async def load_account(conn: AsyncConnection, stream: str) -> tuple[Account, int]:
    recorded = await EventStore().load(conn, stream)
    return fold(decode_payload(r.type, r.version, r.payload) for r in recorded), len(recorded)


async def _complete(conn: AsyncConnection, decision: Decision) -> Event:
    if isinstance(decision, Numbered):
        return decision.complete(
            await invoice_store.next_sequence(conn, decision.issuer, decision.year)
        )
    return decision


async def execute(
    conn: AsyncConnection,
    contract_id: str,
    command: Command,
    now: datetime,
    causes: Causes = Causes(),
) -> list[Event]:
    """Run one command on a contract's stream; return the events appended."""
    stream = contract_stream(contract_id)
    await invoice_store.lock_contract(conn, stream)

    async def attempt() -> list[Event]:
        async with conn.transaction():
            account, version = await load_account(conn, stream)
            events = [await _complete(conn, d) for d in decide(command, account, now)]
            await EventStore().append(
                conn,
                stream,
                version,
                [NewEvent.of(e, correlation_id=causes.correlation_id,
                             causation_id=causes.causation_id) for e in events],
            )  # fmt: skip
        return events

    return await retry_on_conflict(attempt)


async def handle_bill_cdr(
    conn: AsyncConnection, cdr: Cdr, time_zone: str, now: datetime, causes: Causes
) -> list[Event]:
    """A CDR of one of our tokens goes on its contract's invoice (none when billed before)."""
    await invoice_store.lock_periods(conn, exclusive=False)
    closed = await invoice_store.closed_periods(conn)
    command = BillCdr(cdr, time_zone, closed)
    return await execute(conn, cdr.cdr_token.contract_id, command, now, causes)


async def handle_close_period(
    pool: AsyncConnectionPool, period: str, now: datetime, causes: Causes = Causes()
) -> list[InvoiceIssued]:
    """Close a billing month: record it closed, then issue every open invoice of it, one
    contract per transaction. Idempotent: a second close issues what is still open (nothing)."""
    if not period_ended(check_period(period), now):
        raise PeriodNotEndedError(f"billing period {period} has not ended yet")
    async with pool.connection() as conn, conn.transaction():
        await invoice_store.lock_periods(conn, exclusive=True)
        stream = f"invoicing-period-{period}"
        version = await EventStore().version(conn, stream)
        events = decide_close(ClosePeriod(period), version > 0, now)
        await EventStore().append(conn, stream, version, [NewEvent.of(e) for e in events])
    issued: list[InvoiceIssued] = []
    async with pool.connection() as conn:
        for contract_id, invoice_id in await invoice_store.open_invoices(conn, period):
            async with conn.transaction():
                appended = await execute(conn, contract_id, IssueInvoice(invoice_id), now, causes)
            issued += [e for e in appended if isinstance(e, InvoiceIssued)]
    return issued
