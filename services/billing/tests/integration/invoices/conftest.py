"""Driver invoices on a real PostgreSQL: the invoice consumer as its subscribers drive it
(records of evroam.cdr.events and evroam.roaming.events handed to the real `process`, with a
producer that records dead letters), the projections folded on demand, and the HTTP API over
ASGI with a fixed clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_billing.adapters import invoices_api
from evroam_billing.adapters.http import router
from evroam_billing.app import invoice_projections, policies
from evroam_billing.handlers.commands import contract_stream
from evroam_contracts import Envelope, Message
from evroam_contracts.cdr import Cdr, CdrIssued
from evroam_contracts.ids import new_id
from evroam_contracts.roaming_received import CdrReceived
from evroam_eventstore import EventStore, RecordedEvent
from evroam_eventstore.projections import ProjectionRunner
from evroam_messaging import Consumer
from evroam_messaging.consumer import process
from evroam_testing.fakes import Record, RecordingProducer

ADMIN = "admin-s3cret"
CONTRACT = "NL-EVR-C12345678-X"
MARCH = f"INV-{CONTRACT}-2026-03"
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)  # the API's clock: March is over
ISSUER_DETAILS = {"NL*EVR": "evroam B.V.\nStationsplein 1, 1012 AB Amsterdam\nVAT NL000099998B57"}


@dataclass
class InvoiceFeed:
    """Both topics of the evroam.billing.policies group, delivered one record at a time."""

    pool: AsyncConnectionPool
    consumer: Consumer = field(default_factory=lambda: policies(frozenset({"NL*EVR"})))
    producer: RecordingProducer = field(default_factory=RecordingProducer)
    offset: int = 0

    @staticmethod
    def envelope(
        message: Message,
        stream_id: str,
        *,
        event_id: uuid.UUID | None = None,
        correlation_id: str = "corr-1",
    ) -> Envelope:
        return Envelope(
            event_id=event_id or new_id(),
            type=message.type_name,
            version=message.version,
            source=f"evroam.{message.producer}",
            time=datetime.now(UTC),
            stream_id=stream_id,
            stream_version=1,
            payload=message.to_json_dict(),
            correlation_id=correlation_id,
        )

    def issued(self, cdr: Cdr, time_zone: str = "Europe/Amsterdam", **kw: Any) -> Envelope:
        """cdr.issued: a CDR of our own network."""
        message = CdrIssued(cdr=cdr, time_zone=time_zone)
        return self.envelope(message, f"cdr-{cdr.session_id}", **kw)

    def received(self, cdr: Cdr, **kw: Any) -> Envelope:
        """roaming.cdr_received: a partner CPO's CDR of one of our drivers (no time zone)."""
        message = CdrReceived(partner_id="partner-bec", cdr=cdr, received_at=datetime.now(UTC))
        return self.envelope(message, f"partner-cdr-{cdr.id}", **kw)

    async def deliver(self, envelope: Envelope) -> None:
        self.offset += 1
        topic = f"{envelope.source}.events"
        record = Record(topic, 0, self.offset, envelope.key, envelope.value(), envelope.headers())
        await process(self.consumer, self.pool, self.producer, record)

    async def issue(self, cdr: Cdr, time_zone: str = "Europe/Amsterdam") -> None:
        await self.deliver(self.issued(cdr, time_zone))

    async def receive(self, cdr: Cdr) -> None:
        await self.deliver(self.received(cdr))

    @property
    def dead_letters(self) -> list[dict[str, str]]:
        return [h for topic, h in self.producer.sent if topic == "evroam.billing.dlq"]

    async def contract_events(self, contract_id: str = CONTRACT) -> list[RecordedEvent]:
        async with self.pool.connection() as conn:
            return await EventStore().load(conn, contract_stream(contract_id))

    async def lines(self, contract_id: str = CONTRACT) -> list[RecordedEvent]:
        events = await self.contract_events(contract_id)
        return [e for e in events if e.type == "billing.invoice_line_added"]

    async def fold(self) -> int:
        """Fold the log into the read models, as the service's projection runner does."""
        runner = ProjectionRunner(self.pool, "unused", invoice_projections())
        await runner.setup()
        folded = 0
        while applied := await runner.step():
            folded += applied
        return folded


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
