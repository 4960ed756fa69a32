"""AddInvoiceLine: load the invoice stream, decide, append with the expected version.

It runs inside the caller's transaction (the consumer's, which also writes the processed-event
row), so the line and the tracking row commit together.

CDRs of one contract arrive on different partitions, so several consumers may add lines to one
invoice at once. They queue on a lock of that invoice (held to the end of their transaction),
so a busy contract never exhausts the conflict retries and dead-letters a CDR; the expected
version stays the guard, and a conflict still retries the whole command (the append is a
savepoint, so only it rolls back)."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_billing.domain.decider import AddInvoiceLine, InvoiceState, decide, fold, invoice_of
from evroam_contracts import decode_payload
from evroam_contracts.billing import InvoiceLineAdded
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict


def invoice_stream(contract_id: str, billing_period: str) -> str:
    return f"invoice-{contract_id}-{billing_period}"


async def load_invoice(conn: AsyncConnection, stream: str) -> tuple[InvoiceState, int]:
    recorded = await EventStore().load(conn, stream)
    lines = [
        m
        for r in recorded
        if isinstance(m := decode_payload(r.type, r.version, r.payload), InvoiceLineAdded)
    ]
    return fold(lines), len(recorded)


async def handle_add_invoice_line(
    conn: AsyncConnection,
    command: AddInvoiceLine,
    *,
    correlation_id: str | None,
    causation_id: str | None,
) -> list[InvoiceLineAdded]:
    """Return the events appended: none when the CDR is already on the invoice."""
    ref = invoice_of(command)
    stream = invoice_stream(ref.contract_id, ref.billing_period)

    # Two int4 keys: a lock space apart from the event store's single-key append lock.
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('evroam.billing.invoice'), hashtext(%s))",
        (stream,),
    )

    async def attempt() -> list[InvoiceLineAdded]:
        state, version = await load_invoice(conn, stream)
        events = decide(command, state)
        await EventStore().append(
            conn,
            stream,
            version,
            [
                NewEvent.of(e, correlation_id=correlation_id, causation_id=causation_id)
                for e in events
            ],
        )
        return events

    return await retry_on_conflict(attempt)
