"""The billing service on a real PostgreSQL: its consumer (the real `process`, with a producer
that records dead letters) puts each CDR on its invoice exactly once, also when CDRs of one
contract arrive at once, and the invoice lines view rebuilt from the log equals the live one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_billing.adapters.http import router
from evroam_billing.app import policies
from evroam_billing.projections.invoice_lines import InvoiceLinesV1
from evroam_contracts import Envelope
from evroam_contracts.cdr import Cdr, CdrIssued
from evroam_contracts.ids import new_id
from evroam_eventstore import EventStore, RecordedEvent
from evroam_eventstore.projections import ProjectionRunner, rebuild
from evroam_messaging import Consumer
from evroam_messaging.consumer import process
from evroam_testing.fakes import Record, RecordingProducer

MakeCdr = Callable[..., Cdr]
INVOICE = "INV-DE8ACC12E46L89-2026-03"


@dataclass
class CdrFeed:
    """evroam.cdr.events as the billing service's consumer sees it."""

    pool: AsyncConnectionPool
    consumer: Consumer = field(default_factory=policies)
    producer: RecordingProducer = field(default_factory=RecordingProducer)
    offset: int = 0

    @staticmethod
    def envelope(
        cdr: Cdr,
        time_zone: str = "Europe/Amsterdam",
        *,
        event_id: uuid.UUID | None = None,
        correlation_id: str = "corr-1",
    ) -> Envelope:
        issued = CdrIssued(cdr=cdr, time_zone=time_zone)
        return Envelope(
            event_id=event_id or new_id(),
            type=issued.type_name,
            version=issued.version,
            source="evroam.cdr",
            time=datetime.now(UTC),
            stream_id=f"cdr-{cdr.session_id}",
            stream_version=1,
            payload=issued.to_json_dict(),
            correlation_id=correlation_id,
        )

    async def deliver(self, envelope: Envelope) -> None:
        self.offset += 1
        record = Record(
            "evroam.cdr.events", 0, self.offset, envelope.key, envelope.value(), envelope.headers()
        )
        await process(self.consumer, self.pool, self.producer, record)

    async def issue(self, cdr: Cdr, time_zone: str = "Europe/Amsterdam") -> None:
        await self.deliver(self.envelope(cdr, time_zone))

    @property
    def dead_letters(self) -> list[dict[str, str]]:
        return [h for topic, h in self.producer.sent if topic == "evroam.billing.dlq"]

    async def invoice_events(self, invoice_id: str = INVOICE) -> list[RecordedEvent]:
        async with self.pool.connection() as conn:
            return await EventStore().load(conn, invoice_id.replace("INV-", "invoice-", 1))


@pytest.fixture
def feed(pool: AsyncConnectionPool) -> CdrFeed:
    return CdrFeed(pool)


async def test_cdrs_of_a_contract_in_one_month_become_lines_of_one_invoice(
    feed: CdrFeed,
    make_cdr: MakeCdr,
) -> None:
    first = feed.envelope(make_cdr("CDR-1"), correlation_id="corr-S-1")

    await feed.deliver(first)
    await feed.issue(make_cdr("CDR-2", end="2026-03-20T12:00:00Z"))

    one, two = await feed.invoice_events()
    assert [(e.payload["line_no"], e.payload["cdr_id"]) for e in (one, two)] == [
        (1, "CDR-1"),
        (2, "CDR-2"),
    ]
    assert {e.payload["invoice_id"] for e in (one, two)} == {INVOICE}
    assert one.correlation_id == "corr-S-1"
    assert one.metadata["causation_id"] == str(first.event_id)
    assert feed.dead_letters == []


async def test_a_cdr_issued_again_is_billed_once(feed: CdrFeed, make_cdr: MakeCdr) -> None:
    envelope = feed.envelope(make_cdr("CDR-1"))

    await feed.deliver(envelope)
    await feed.deliver(envelope)  # redelivered: the processed-event row stops it
    await feed.issue(make_cdr("CDR-1"))  # re-published with a new event id: the invoice does

    assert len(await feed.invoice_events()) == 1
    assert feed.dead_letters == []


async def test_cdrs_of_one_contract_arriving_at_once_each_get_their_own_line(
    feed: CdrFeed,
    make_cdr: MakeCdr,
) -> None:
    # CDR streams are spread over partitions: several consumers append to one invoice at once.
    await asyncio.gather(*(feed.issue(make_cdr(f"CDR-{n}")) for n in range(1, 9)))

    lines = await feed.invoice_events()
    assert sorted(e.payload["cdr_id"] for e in lines) == sorted(f"CDR-{n}" for n in range(1, 9))
    assert [e.payload["line_no"] for e in lines] == list(range(1, 9))
    assert feed.dead_letters == []


async def test_a_cdr_whose_time_zone_is_unknown_is_dead_lettered_with_the_reason(
    feed: CdrFeed,
    make_cdr: MakeCdr,
) -> None:
    await feed.issue(make_cdr("CDR-1"), time_zone="Mars/Olympus_Mons")

    [headers] = feed.dead_letters
    assert "UnknownTimeZoneError" in headers["x_dlq_reason"]
    assert await feed.invoice_events() == []


async def fold_a_month(feed: CdrFeed, make_cdr: MakeCdr) -> None:
    await feed.issue(make_cdr("CDR-1"))
    await feed.issue(
        make_cdr("CDR-2", end="2026-03-20T12:00:00Z", total="1.10", incl="1.33", kwh="4.4")
    )
    await feed.issue(
        make_cdr("CDR-3", end="2026-03-21T12:00:00Z", total="2.00", incl=None, currency="CHF")
    )
    await feed.issue(
        make_cdr(
            "CDR-1-C",
            end="2026-03-10T10:00:00Z",
            total="-3.59",
            incl="-4.34",
            credit=True,
            credit_reference_id="CDR-1",
        )
    )
    await feed.issue(make_cdr("CDR-9", contract_id="NL-OTHER-1"))
    runner = ProjectionRunner(feed.pool, "unused", [InvoiceLinesV1()])
    await runner.setup()
    assert await runner.step() == 5


async def test_the_invoice_lines_view_rebuilt_from_the_log_equals_the_live_one(
    feed: CdrFeed,
    make_cdr: MakeCdr,
) -> None:
    await fold_a_month(feed, make_cdr)

    report = await rebuild(feed.pool, InvoiceLinesV1())

    assert report.equal, report
    assert report.events_replayed == 5


async def test_the_http_api_serves_invoices_with_exact_totals_per_currency(
    feed: CdrFeed,
    make_cdr: MakeCdr,
) -> None:
    await fold_a_month(feed, make_cdr)
    app = FastAPI()
    app.include_router(router(feed.pool))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as http:
        invoice = (await http.get(f"/invoices/{INVOICE}")).json()
        of_cdr = (await http.get("/invoice-lines", params={"cdr_id": "CDR-2"})).json()
        of_contract = (
            await http.get("/invoice-lines", params={"contract_id": "NL-OTHER-1"})
        ).json()
        missing = await http.get("/invoices/INV-nobody-2026-03")

    assert [line["line_no"] for line in invoice["lines"]] == [1, 2, 3, 4]
    assert invoice["totals"] == {
        "CHF": {"lines": 1, "excl_vat": "2.00", "energy_kwh": "12.345"},
        "EUR": {"lines": 3, "excl_vat": "1.10", "incl_vat": "1.33", "energy_kwh": "4.400"},
    }
    assert [(line["cdr_id"], line["amount"]) for line in of_cdr] == [
        ("CDR-2", {"excl_vat": "1.10", "incl_vat": "1.33"})
    ]
    assert [line["invoice_id"] for line in of_contract] == ["INV-NL-OTHER-1-2026-03"]
    assert missing.status_code == 404
