"""The CDR service on a real PostgreSQL: its consumers (the real `process`, with a producer that
records dead letters) issue each CDR exactly once, hold a CDR that fails reconciliation for
review (never dead-letter it), the review API releases and rejects, and the views rebuilt
from the log equal the live ones."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_cdr.adapters import http as cdr_http
from evroam_cdr.adapters import postgres, review_api
from evroam_cdr.app import policies, references
from evroam_cdr.domain.cdr import cdr_id_for
from evroam_cdr.domain.checks import Policy
from evroam_cdr.projections.cdrs import CdrsV2
from evroam_cdr.projections.reviews import CdrReviewsV1
from evroam_contracts import Envelope, Message
from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.gateway import LocationRegistered
from evroam_contracts.ids import new_id
from evroam_contracts.session import SessionCompleted, SessionStarted
from evroam_contracts.shared import CostBreakdown
from evroam_eventstore import EventStore, RecordedEvent
from evroam_eventstore.projections import ProjectionRunner, rebuild
from evroam_messaging import Consumer, RetryLaterError
from evroam_messaging.consumer import process
from evroam_testing.fakes import Record, RecordingProducer

MakeSession = Callable[..., SessionCompleted]


@dataclass
class SessionFeed:
    """evroam.session.events as the CDR service's consumer sees it."""

    pool: AsyncConnectionPool
    consumer: Consumer = field(default_factory=lambda: policies(Policy()))
    producer: RecordingProducer = field(default_factory=RecordingProducer)
    offset: int = 0

    @staticmethod
    def envelope(
        message: Message,
        *,
        event_id: uuid.UUID | None = None,
        correlation_id: str = "corr-1",
    ) -> Envelope:
        return Envelope(
            event_id=event_id or new_id(),
            type=message.type_name,
            version=message.version,
            source="evroam.session",
            time=datetime.now(UTC),
            stream_id=f"session-{getattr(message, 'session_id', 'reference')}",
            stream_version=5,
            payload=message.to_json_dict(),
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

    async def know(self, session: SessionCompleted) -> None:
        """Record the session, its location and its token as seen (the references
        consumer's and session.started's effect)."""
        async with self.pool.connection() as conn:
            loc, tok = session.location, session.cdr_token
            await postgres.session_seen(conn, session.session_id, session.started_at)
            await postgres.location_seen(conn, loc.country_code, loc.party_id, loc.id)
            await postgres.token_seen(conn, tok.country_code, tok.party_id, tok.uid)

    async def complete(self, session: SessionCompleted, *, known: bool = True) -> None:
        """Deliver session.completed; with `known`, its references are seen first."""
        if known:
            await self.know(session)
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
    session = make_session("S-1")
    await feed.know(session)
    envelope = feed.envelope(session, correlation_id="corr-S-1")

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
    await feed.complete(make_session("S-1"))
    envelope = feed.envelope(make_session("S-1"))

    await feed.deliver(envelope)
    await feed.deliver(envelope)  # redelivered: the processed-event row stops it

    assert len(await feed.cdr_events("S-1")) == 1
    assert feed.dead_letters == []


async def test_deliveries_of_one_session_at_once_issue_one_cdr(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    await asyncio.gather(*(feed.complete(make_session("S-1")) for _ in range(4)))

    assert len(await feed.cdr_events("S-1")) == 1
    assert feed.dead_letters == []


async def test_a_cdr_that_fails_reconciliation_is_held_not_dead_lettered(
    feed: SessionFeed,
    make_session: MakeSession,
    make_costs: Callable[..., CostBreakdown],
) -> None:
    await feed.complete(make_session("S-1", costs=make_costs("9.99")), known=False)

    [event] = await feed.cdr_events("S-1")
    assert event.type == "cdr.held"
    codes = [r["code"] for r in event.payload["reasons"]]
    assert codes == [
        "SESSION_UNKNOWN",
        "LOCATION_UNKNOWN",
        "TOKEN_UNKNOWN",
        "COST_SESSION_MISMATCH",
    ]
    assert feed.dead_letters == []
    async with feed.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM processed_events")
        assert await cur.fetchone() == (1,)  # handled: the hold is its effect


async def _project(feed: SessionFeed) -> int:
    runner = ProjectionRunner(feed.pool, "unused", [CdrsV2(), CdrReviewsV1()])
    await runner.setup()
    return await runner.step()


async def fold_sessions(feed: SessionFeed, make_session: MakeSession) -> None:
    """Three CDRs issued, one held (the meter says 1 kWh), one held and corrected after."""
    await feed.complete(make_session("S-1"))
    await feed.complete(make_session("S-2"))
    other = make_session("S-3")
    await feed.complete(
        other.model_copy(
            update={"cdr_token": other.cdr_token.model_copy(update={"contract_id": "NL-OTHER-1"})}
        )
    )
    await feed.complete(make_session("S-4", meter_stop_wh=2000))
    await _project(feed)


async def test_the_cdr_views_rebuilt_from_the_log_equal_the_live_ones(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    await fold_sessions(feed, make_session)
    await review_api_call(
        feed,
        "post",
        f"/reviews/{cdr_id_for('S-4')}/reject",
        json={"reviewer": "ops", "reason": "test"},
    )
    await _project(feed)

    for projection in (CdrsV2(), CdrReviewsV1()):
        report = await rebuild(feed.pool, projection)
        assert report.equal, report


async def review_api_call(
    feed: SessionFeed, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    app = FastAPI()
    app.include_router(cdr_http.router(feed.pool))
    app.include_router(review_api.router(feed.pool, Policy(), "secret"))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": "Bearer secret"}
    async with httpx.AsyncClient(transport=transport, base_url="http://cdr", headers=headers) as c:
        return await c.request(method, path, **kwargs)


async def test_the_review_api_lists_inspects_releases_and_rejects(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    await fold_sessions(feed, make_session)
    held_id = cdr_id_for("S-4")

    listed = await review_api_call(feed, "get", "/reviews")
    one = await review_api_call(feed, "get", f"/reviews/{held_id}")
    refused = await review_api_call(
        feed, "post", f"/reviews/{held_id}/release", json={"reviewer": "ops"}
    )
    released = await review_api_call(
        feed,
        "post",
        f"/reviews/{held_id}/release",
        json={"reviewer": "ops", "accept": ["ENERGY_METER_MISMATCH"], "note": "meter swapped"},
    )
    again = await review_api_call(
        feed, "post", f"/reviews/{held_id}/reject", json={"reviewer": "ops", "reason": "x"}
    )
    unknown = await review_api_call(
        feed, "post", "/reviews/nope/reject", json={"reviewer": "ops", "reason": "x"}
    )
    bad_body = await review_api_call(feed, "post", f"/reviews/{held_id}/release", json={})
    await _project(feed)
    after = await review_api_call(feed, "get", f"/reviews/{held_id}")
    issued = await review_api_call(feed, "get", f"/cdrs/{held_id}")

    assert listed.headers["X-Total-Count"] == "1"
    assert [(r["cdr_id"], r["reason_codes"]) for r in listed.json()] == [
        (held_id, ["ENERGY_METER_MISMATCH"])
    ]
    body = one.json()
    assert (body["status"], body["facts"]["meter_stop_wh"]) == ("HELD", 2000)
    assert body["cdr"]["total_energy"] == 12.345
    assert refused.status_code == 409
    assert [r["code"] for r in refused.json()["reasons"]] == ["ENERGY_METER_MISMATCH"]
    assert released.status_code == 200, released.text
    assert released.json()["events"] == ["cdr.released", "cdr.issued"]
    assert (again.status_code, unknown.status_code, bad_body.status_code) == (409, 404, 422)
    assert (after.json()["status"], after.json()["reviewer"]) == ("RELEASED", "ops")
    assert issued.status_code == 200
    forbidden = await review_api_call(feed, "get", "/reviews", headers={"Authorization": "x"})
    assert forbidden.status_code == 401


async def test_the_http_api_serves_ocpi_cdrs_with_exact_json_numbers(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    await fold_sessions(feed, make_session)
    one = await review_api_call(feed, "get", f"/cdrs/{cdr_id_for('S-1')}")
    of_contract = await review_api_call(
        feed, "get", "/cdrs", params={"contract_id": "DE8ACC12E46L89"}
    )
    of_session = (await review_api_call(feed, "get", "/cdrs", params={"session_id": "S-3"})).json()
    missing = await review_api_call(feed, "get", "/cdrs/no-such-cdr")

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
    assert [c["session_id"] for c in of_contract.json()] == ["S-1", "S-2"]
    assert of_contract.headers["X-Total-Count"] == "2"
    assert [c["cdr_token"]["contract_id"] for c in of_session] == ["NL-OTHER-1"]
    assert missing.status_code == 404


async def test_a_just_ended_session_waits_for_its_references_then_is_issued(
    feed: SessionFeed,
    make_session: MakeSession,
) -> None:
    now = datetime.now(UTC)
    sample = make_session("S-NEW")
    shift = now - sample.ended_at  # the sample session, moved to have ended just now
    session = sample.model_copy(
        update={
            "started_at": sample.started_at + shift,
            "ended_at": now,
            "charging_periods": tuple(
                p.model_copy(update={"start_date_time": p.start_date_time + shift})
                for p in sample.charging_periods
            ),
        }
    )

    with pytest.raises(RetryLaterError, match="waiting for session, location, token"):
        await feed.deliver(feed.envelope(session))  # Kafka delivers it again in a moment
    assert await feed.cdr_events("S-NEW") == []

    refs = SessionFeed(feed.pool, consumer=references())
    loc, tok = session.location, session.cdr_token
    for message in (
        LocationRegistered(
            location_id=loc.id,
            address=loc.address,
            city=loc.city,
            country=loc.country,
            coordinates=loc.coordinates,
            time_zone=loc.time_zone,
            country_code=loc.country_code,
            party_id=loc.party_id,
        ),
        TokenRegistered(
            country_code=tok.country_code,
            party_id=tok.party_id,
            uid=tok.uid,
            type=tok.type,
            contract_id=tok.contract_id,
            issuer="TNM",
            last_updated=now,
        ),
    ):
        await refs.deliver(refs.envelope(message))
    await feed.deliver(
        feed.envelope(
            SessionStarted.model_validate(
                session.model_dump(include=set(SessionStarted.model_fields))
            )
        )
    )
    await feed.deliver(feed.envelope(session))

    [event] = await feed.cdr_events("S-NEW")
    assert event.type == "cdr.issued", event.payload.get("reasons")
