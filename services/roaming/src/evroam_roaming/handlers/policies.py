"""Foreign events that change what the roaming service serves."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message
from evroam_contracts.cdr import CdrIssued
from evroam_messaging import PoisonEventError
from evroam_messaging.consumer import AfterCommit
from evroam_roaming.adapters.postgres import upsert_cdr


async def on_cdr_issued(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """An issued CDR becomes pullable by the eMSP that owns its token (OCPI 2.2.1 section 3.3).
    Runs in the consumer's transaction, beside the processed-event row."""
    if not isinstance(message, CdrIssued):
        raise PoisonEventError(f"expected cdr.issued, got {envelope.type}")
    await upsert_cdr(conn, message.cdr)
    return None
