"""Foreign events that become our commands."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_billing.domain.decider import AddInvoiceLine
from evroam_billing.handlers.commands import handle_add_invoice_line
from evroam_contracts import Envelope, Message
from evroam_contracts.cdr import CdrIssued
from evroam_messaging import PoisonEventError
from evroam_messaging.consumer import AfterCommit


async def on_cdr_issued(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """cdr.issued -> AddInvoiceLine on the driver's invoice of that local month."""
    if not isinstance(message, CdrIssued):
        raise PoisonEventError(f"expected cdr.issued, got {envelope.type}")
    await handle_add_invoice_line(
        conn,
        AddInvoiceLine(message.cdr, message.time_zone),
        correlation_id=envelope.correlation_id,
        causation_id=str(envelope.event_id),
    )
    return None
