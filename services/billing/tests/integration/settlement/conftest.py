"""The settlement consumer as its subscribers drive it: records of evroam.cdr.events and
evroam.roaming.events handed to the real `process` (with a producer that records dead
letters: billing_feed.py), the projection folded on demand, and the HTTP API over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from billing_feed import Feed
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_billing.adapters.statements_api import admin_router, read_router
from evroam_billing.app import settlement
from evroam_billing.domain.statements import parse_parties
from evroam_billing.projections.statement_lines import StatementLinesV1
from evroam_contracts import Envelope
from evroam_contracts.cdr import Cdr
from evroam_contracts.roaming import PushAttempted
from evroam_eventstore import EventStore, RecordedEvent

ADMIN = "admin-s3cret"
STATEMENT = "STM-DE-TNM-2026-03"
PUSHED_AT = datetime(2026, 3, 10, 10, 5, tzinfo=UTC)


class SettlementFeed(Feed):
    """Both topics of the evroam.billing.settlement group."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        super().__init__(pool, settlement(parse_parties("NL*EVR")), [StatementLinesV1()])

    def push(self, cdr_id: str, outcome: str = "DELIVERED", **changes: Any) -> Envelope:
        message = PushAttempted.model_validate(
            {
                "push_id": 7,
                "partner_id": "partner-tnm",
                "module": "cdrs",
                "object_id": cdr_id,
                "attempt": 1,
                "outcome": outcome,
                "attempted_at": PUSHED_AT,
                **({"ocpi_status": 1000} if outcome == "DELIVERED" else {}),
                **changes,
            }
        )
        return self.envelope(message, "push-7", correlation_id=f"corr-{cdr_id}")

    async def delivered(self, cdr_id: str, outcome: str = "DELIVERED", **changes: Any) -> None:
        await self.deliver(self.push(cdr_id, outcome, **changes))

    async def events(self, statement_id: str = STATEMENT) -> list[RecordedEvent]:
        async with self.pool.connection() as conn:
            return await EventStore().load(conn, statement_id.replace("STM-", "statement-", 1))

    async def states(self, statement_id: str = STATEMENT) -> dict[str, str]:
        """Each CDR's state, folded from the statement's events."""
        states: dict[str, str] = {}
        for e in await self.events(statement_id):
            states[e.payload["cdr_id"]] = e.payload.get("state", "ISSUED")
        return states


@pytest.fixture
def feed(pool: AsyncConnectionPool) -> SettlementFeed:
    return SettlementFeed(pool)


@pytest.fixture
async def http(pool: AsyncConnectionPool) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(read_router(pool))
    app.include_router(admin_router(pool, ADMIN))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        yield client


PartnerCdr = Callable[..., Cdr]


@pytest.fixture
def partner_cdr(make_cdr: Callable[..., Cdr]) -> PartnerCdr:
    """`partner_cdr("CDR-1", emsp="BE*ABC", ...)`: the sample CDR with a token of that party."""

    def build(cdr_id: str = "CDR-1", *, emsp: str = "DE*TNM", **kw: Any) -> Cdr:
        country, party = emsp.split("*")
        token = {"country_code": country, "party_id": party, "uid": "012345678"}
        token |= {"type": "RFID", "contract_id": kw.pop("contract_id", "DE8ACC12E46L89")}
        return make_cdr(cdr_id, cdr_token=token, **kw)

    return build
