"""The CDR service on a real PostgreSQL: its consumer (the real `process`, with a producer that
records dead letters) issues each CDR exactly once, dead-letters sessions that fail a check,
and the CDRs view rebuilt from the log equals the live one."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_cdr.adapters.http import router
from evroam_cdr.app import policies
from evroam_cdr.domain.cdr import cdr_id_for
from evroam_cdr.projections.cdrs import CdrsV1
from evroam_contracts import Envelope
from evroam_contracts.ids import new_id
from evroam_contracts.session import SessionCompleted
from evroam_contracts.shared import CostBreakdown
from evroam_eventstore import EventStore, RecordedEvent
from evroam_eventstore.projections import ProjectionRunner, rebuild
from evroam_messaging import Consumer
from evroam_messaging.consumer import process
from evroam_testing.fakes import Record, RecordingProducer

MakeSession = Callable[..., SessionCompleted]


@dataclass
class SessionFeed:
    """evroam.session.events as the CDR service's consumer sees it."""

    pool: AsyncConnectionPool
    consumer: Consumer = field(default_factory=policies)
    producer: RecordingProducer = field(default_factory=RecordingProducer)
    offset: int = 0

    @staticmethod
    def envelope(
        session: SessionCompleted,
        *,
        event_id: uuid.UUID | None = None,
        correlation_id: str = "corr-1",
    ) -> Envelope:
        return Envelope(
            event_id=event_id or new_id(),
            type=session.type_name,
            version=session.version,
            source="evroam.session",
            time=datetime.now(UTC),
            stream_id=f"session-{session.session_id}",
            stream_version=5,
            payload=session.to_json_dict(),
            correlation_id=correlation_id,
        )

    async def deliver(self, envelope: Envelope) -> None:
        self.offset += 1
        record = Record(
            "evroam.session.events",
            0,
            self.offset,
            envelope.key,
            envelope.value(),
            envelope.headers(),
        )
        await process(self.consumer, self.pool, self.producer, record)

    async def complete(self, session: SessionCompleted) -> None:
        await self.deliver(self.envelope(session))

    @property
    def dead_letters(self) -> list[dict[str, str]]:
        return [h for topic, h in self.producer.sent if topic == "evroam.cdr.dlq"]

    async def cdr_events(self, session_id: str) -> list[RecordedEvent]:
        async with self.pool.connection() as conn:
            return await EventStore().load(conn, f"cdr-{session_id}")


@pytest.fixture
def feed(pool: AsyncConnectionPool) -> SessionFeed:
    return SessionFeed(pool)


async def test_a_completed_session_issues_its_cdr_caused_by_that_event(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    envelope = feed.envelope(make_session("S-1"), correlation_id="corr-S-1")

    await feed.deliver(envelope)

    [event] = await feed.cdr_events("S-1")
    assert (event.type, event.payload["cdr"]["id"]) == ("cdr.issued", cdr_id_for("S-1"))
    assert event.correlation_id == "corr-S-1"
    assert event.metadata["causation_id"] == str(envelope.event_id)
    assert feed.dead_letters == []


async def test_a_redelivered_or_republished_session_completed_issues_no_second_cdr(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    envelope = feed.envelope(make_session("S-1"))

    await feed.deliver(envelope)
    await feed.deliver(envelope)  # redelivered: the processed-event row stops it
    await feed.complete(make_session("S-1"))  # same session, new event id: the stream stops it

    assert len(await feed.cdr_events("S-1")) == 1
    assert feed.dead_letters == []


async def test_deliveries_of_one_session_at_once_issue_one_cdr(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    await asyncio.gather(*(feed.complete(make_session("S-1")) for _ in range(4)))

    assert len(await feed.cdr_events("S-1")) == 1
    assert feed.dead_letters == []


async def test_a_session_whose_costs_do_not_add_up_is_dead_lettered_with_the_reason(
    feed: SessionFeed,
    make_session: MakeSession,
    make_costs: Callable[..., CostBreakdown],
) -> None:
    await feed.complete(make_session("S-1", costs=make_costs("9.99")))

    assert await feed.cdr_events("S-1") == []
    [headers] = feed.dead_letters
    assert "CdrTotalCostMismatchError" in headers["x_dlq_reason"]
    assert "total_cost.excl_vat 9.99 EUR" in headers["x_dlq_reason"]
    async with feed.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM processed_events")
        assert await cur.fetchone() == (0,)  # rolled back with the effect


async def fold_three_sessions(feed: SessionFeed, make_session: MakeSession) -> None:
    await feed.complete(make_session("S-1"))
    await feed.complete(make_session("S-2"))
    other = make_session("S-3")
    await feed.complete(
        other.model_copy(
            update={"cdr_token": other.cdr_token.model_copy(update={"contract_id": "NL-OTHER-1"})}
        )
    )
    runner = ProjectionRunner(feed.pool, "unused", [CdrsV1()])
    await runner.setup()
    assert await runner.step() == 3


async def test_the_cdrs_view_rebuilt_from_the_log_equals_the_live_one(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    await fold_three_sessions(feed, make_session)

    report = await rebuild(feed.pool, CdrsV1())

    assert report.equal, report
    assert report.events_replayed == 3


async def test_the_http_api_serves_ocpi_cdrs_with_exact_json_numbers(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    await fold_three_sessions(feed, make_session)
    app = FastAPI()
    app.include_router(router(feed.pool))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cdr") as http:
        one = await http.get(f"/cdrs/{cdr_id_for('S-1')}")
        of_contract = (await http.get("/cdrs", params={"contract_id": "DE8ACC12E46L89"})).json()
        of_session = (await http.get("/cdrs", params={"session_id": "S-3"})).json()
        missing = await http.get("/cdrs/no-such-cdr")

    cdr = json.loads(one.text, parse_float=Decimal)
    assert '"total_fixed_cost":{"excl_vat":0.50,' in one.text  # the very digits
    assert cdr["total_cost"] == {"excl_vat": Decimal("3.59"), "incl_vat": Decimal("4.34")}
    assert (cdr["total_energy"], cdr["total_time"], cdr["total_parking_time"]) == (
        Decimal("12.345"),
        2,
        Decimal("0.5"),
    )
    assert cdr["start_date_time"] == "2026-03-10T08:00:00Z"
    assert cdr["charging_periods"][0]["dimensions"][0] == {
        "type": "ENERGY",
        "volume": Decimal("12.345"),
    }
    assert [c["session_id"] for c in of_contract] == ["S-1", "S-2"]
    assert [c["cdr_token"]["contract_id"] for c in of_session] == ["NL-OTHER-1"]
    assert missing.status_code == 404
