"""Foreign events that change what the roaming service serves."""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message
from evroam_contracts.cdr import CdrIssued
from evroam_contracts.ocpi_json import render_json
from evroam_messaging import PoisonEventError
from evroam_messaging.consumer import AfterCommit
from evroam_roaming.adapters import pushes
from evroam_roaming.adapters.postgres import upsert_cdr
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.cdrs.models import cdr_to_ocpi


async def on_cdr_issued(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """An issued CDR (a credit CDR too) becomes pullable by the eMSP that owns its token (OCPI
    2.2.1 section 3.3) and, when that eMSP offers a CDRs Receiver, is queued to be pushed to
    it. Runs in the consumer's transaction, beside the processed-event row."""
    if not isinstance(message, CdrIssued):
        raise PoisonEventError(f"expected cdr.issued, got {envelope.type}")
    cdr = message.cdr
    await upsert_cdr(conn, cdr)
    # OCPI 2.2.1 CDR rules: pushed to the eMSP that owns the token, and only to it.
    owner = Party.of(cdr.cdr_token.country_code, cdr.cdr_token.party_id)
    receiver = await pushes.receiver_of_owner(conn, owner, "cdrs")
    if receiver is not None:
        body = render_json(cdr_to_ocpi(cdr))
        now = datetime.now(UTC)
        await pushes.enqueue(conn, receiver, "cdrs", cdr.id, body, envelope.correlation_id, now)
    return None
