"""Driver invoices on a real PostgreSQL: the invoice consumer as its subscribers drive it
(records of evroam.cdr.events and evroam.roaming.events handed to the real `process`, with a
producer that records dead letters: billing_feed.py), the projections folded on demand, and
the HTTP API over ASGI with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from billing_feed import Feed
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_billing.adapters import invoices_api
from evroam_billing.adapters.http import router
from evroam_billing.app import invoice_projections, policies
from evroam_billing.domain.statements import parse_parties
from evroam_billing.handlers.commands import contract_stream
from evroam_contracts import Envelope
from evroam_contracts.cdr import Cdr
from evroam_contracts.roaming_received import CdrReceived
from evroam_eventstore import EventStore, RecordedEvent

ADMIN = "admin-s3cret"
CONTRACT = "NL-EVR-C12345678-X"
MARCH = f"INV-{CONTRACT}-2026-03"
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)  # the API's clock: March is over
ISSUER_DETAILS = {"NL*EVR": "evroam B.V.\nStationsplein 1, 1012 AB Amsterdam\nVAT NL000099998B57"}


class InvoiceFeed(Feed):
    """Both topics of the evroam.billing.policies group."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        super().__init__(pool, policies(parse_parties("NL*EVR")), invoice_projections())

    def received(self, cdr: Cdr, **kw: Any) -> Envelope:
        """roaming.cdr_received: a partner CPO's CDR of one of our drivers (no time zone)."""
        message = CdrReceived(partner_id="partner-bec", cdr=cdr, received_at=datetime.now(UTC))
        return self.envelope(message, f"partner-cdr-{cdr.id}", **kw)

    async def receive(self, cdr: Cdr) -> None:
        await self.deliver(self.received(cdr))

    async def contract_events(self, contract_id: str = CONTRACT) -> list[RecordedEvent]:
        async with self.pool.connection() as conn:
            return await EventStore().load(conn, contract_stream(contract_id))

    async def lines(self, contract_id: str = CONTRACT) -> list[RecordedEvent]:
        events = await self.contract_events(contract_id)
        return [e for e in events if e.type == "billing.invoice_line_added"]


@pytest.fixture
def feed(pool: AsyncConnectionPool) -> InvoiceFeed:
    return InvoiceFeed(pool)


@pytest.fixture
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
async def http(pool: AsyncConnectionPool) -> AsyncIterator[httpx.AsyncClient]:
    """The invoice routes as `wire_invoices` mounts them, with the clock at NOW."""
    app = FastAPI()
    app.include_router(router(pool))
    app.include_router(invoices_api.read_router(pool, ISSUER_DETAILS))
    app.include_router(invoices_api.admin_router(pool, ADMIN, now=lambda: NOW))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        yield client
