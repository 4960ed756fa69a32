"""CDRs pushed to the eMSP that owns their token (OCPI 2.2.1 section 3.3 and 1.10), with a
real partner server: delivered with the Location it answers, in order, tried again with
backoff, held back by a circuit breaker, dead-lettered after the last attempt and replayed
from the admin API; never sent to another partner; every attempt an event."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.tariff import TariffAssigned, TariffPublished
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.push import Pusher
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.session_events import completed, started, updated

Connect = Callable[..., Awaitable[OcpiPartner]]
Issue = Callable[[Any], Awaitable[Any]]
ADMIN = {"Authorization": "Bearer it-admin-token"}  # the conftest's admin token
T9 = datetime(2024, 5, 1, 9, tzinfo=UTC)
POLICY = PushPolicy(max_attempts=3, backoff_s=10, breaker_threshold=2, breaker_cooldown_s=60)


class Clock:
    def __init__(self) -> None:
        # Ahead of the wall clock, at which pushes are queued: what is queued is due.
        self.now = datetime.now(UTC) + timedelta(seconds=30)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def pusher(pool: AsyncConnectionPool) -> Any:
    async with httpx.AsyncClient() as http:
        yield Pusher(pool, http, Party("NL", "EVR"), POLICY, timeout_s=5, clock=Clock())


async def attempts(pool: AsyncConnectionPool) -> list[tuple[str, str, int, str]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload->>'object_id', payload->>'outcome', (payload->>'attempt')::int,"
            " coalesce(payload->>'location', '') FROM events"
            " WHERE type = 'roaming.push_attempted' ORDER BY position"
        )
        return await cur.fetchall()


async def test_a_cdr_is_pushed_to_the_token_owner_only_with_our_token_b(
    connect_partner: Connect, issue: Issue, make_cdr: Any, pusher: Pusher, pool: Any
) -> None:
    owner = await connect_partner("DE", "TNM")
    other = await connect_partner("NL", "ABC")
    await issue(make_cdr("C1", token_owner=("de", "tnm")))
    await issue(make_cdr("C2", token_owner=("FR", "XYZ")))  # an eMSP we have no connection to

    assert await pusher.run_once() == 1

    assert list(owner.cdrs) == ["C1"]
    assert other.cdr_pushes == []
    headers = owner.cdr_pushes[0]["headers"]
    assert headers["authorization"] == "Token " + base64.b64encode(owner.token_b.encode()).decode()
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("DE", "TNM")
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "EVR")
    assert owner.cdrs["C1"]["total_cost"]["excl_vat"] == make_cdr("C1").total_cost.excl_vat
    assert await attempts(pool) == [("C1", "DELIVERED", 1, f"{owner.cdrs_url}/C1")]
    assert await pusher.run_once() == 0  # nothing left


async def test_a_failing_partner_is_tried_again_later_and_its_cdrs_keep_their_order(
    connect_partner: Connect, issue: Issue, make_cdr: Any, pusher: Pusher, pool: Any
) -> None:
    owner = await connect_partner("DE", "TNM")
    owner.cdr_failures = 3  # one attempt's quick tries all meet a 503
    await issue(make_cdr("C1"))
    await issue(make_cdr("C1-C"))  # e.g. its credit CDR: it must not overtake C1

    await pusher.run_once()
    assert owner.cdrs == {}
    assert await pusher.run_once() == 0  # not due yet: backoff of 10 s
    pusher._clock.advance(10)  # type: ignore[attr-defined]
    await pusher.run_once()
    await pusher.run_once()

    assert list(owner.cdrs) == ["C1", "C1-C"]
    assert [(o, r, n) for o, r, n, _ in await attempts(pool)] == [
        ("C1", "FAILED", 1),
        ("C1", "DELIVERED", 2),
        ("C1-C", "DELIVERED", 1),
    ]


async def test_an_unreachable_partner_opens_its_breaker_then_is_dead_lettered_and_replayed(
    connect_partner: Connect,
    issue: Issue,
    make_cdr: Any,
    pusher: Pusher,
    pool: Any,
    roaming: Any,
) -> None:
    owner = await connect_partner("DE", "TNM")
    await owner.stop()  # its port refuses connections
    await issue(make_cdr("C1"))
    clock: Clock = pusher._clock  # type: ignore[attr-defined]

    await pusher.run_once()
    clock.advance(10)
    await pusher.run_once()  # second failure in a row: the breaker opens for 60 s
    clock.advance(40)
    assert await pusher.run_once() == 0  # due, but the breaker holds the partner back
    clock.advance(20)
    await pusher.run_once()  # half-open: one try, and the last attempt: dead-lettered

    dead = await roaming.http.get("/admin/pushes", params={"state": "DEAD"}, headers=ADMIN)
    [row] = dead.json()
    assert (row["object_id"], row["attempts"]) == ("C1", 3)
    assert "ConnectError" in row["last_error"]
    assert [r for _, r, _, _ in await attempts(pool)] == ["FAILED", "FAILED", "DEAD_LETTERED"]
    assert await pusher.run_once() == 0  # nothing pending; the counts /metrics shows refresh
    assert (pusher.pending, pusher.dead, pusher.outcomes["FAILED"]) == (0, 1, 2)

    await owner.start()
    replay = await _replay(roaming, pool, pusher, row["push_id"])
    assert replay.status_code == 200
    assert await pusher.run_once() == 1
    assert list(owner.cdrs) == ["C1"]
    again = await _replay(roaming, pool, pusher, row["push_id"])
    assert again.status_code == 404  # delivered: nothing to replay


async def _replay(roaming: Any, pool: Any, pusher: Pusher, push_id: int) -> httpx.Response:
    """The admin API's replay, wired to this test's pusher."""
    from fastapi import FastAPI

    from evroam_roaming.adapters.http import router

    app = FastAPI()
    app.include_router(router(pool, roaming.settings.admin_token, pusher.replay))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://roaming") as http:
        return await http.post(f"/admin/pushes/{push_id}/replay", headers=ADMIN)


async def test_a_cdr_issued_twice_is_pushed_once(
    connect_partner: Connect, issue: Issue, make_cdr: Any, pusher: Pusher
) -> None:
    owner = await connect_partner("DE", "TNM")
    cdr = make_cdr("C1")
    await issue(cdr)
    await issue(cdr)  # re-published with a new event id

    await pusher.run_once()
    await pusher.run_once()

    assert len(owner.cdr_pushes) == 1


async def test_a_session_is_pushed_to_its_emsp_whole_and_only_its_newest_state_waits(
    connect_partner: Connect, feed: Any, pusher: Pusher, pool: Any
) -> None:
    owner = await connect_partner("DE", "TNM")
    other = await connect_partner("NL", "ABC")
    await feed(started("S1"), stream="session-S1", version=1, at="2024-05-01T10:00:00+00:00")
    await pusher.run_once()
    await feed(updated("S1"), stream="session-S1", version=2, at="2024-05-01T10:30:00+00:00")
    await feed(completed("S1"), stream="session-S1", version=3, at="2024-05-01T11:00:00+00:00")
    await feed(completed("S1"), stream="session-S1", version=3, at="2024-05-01T11:00:00+00:00")

    await pusher.run_once()
    assert await pusher.run_once() == 0

    statuses = [p["session"]["status"] for p in owner.session_puts]
    assert statuses == ["ACTIVE", "COMPLETED"]  # the update was overtaken while it waited
    assert owner.session_puts[-1]["path"] == "/ocpi/emsp/2.2.1/sessions/BE/BEC/S1"
    assert owner.sessions["S1"]["kwh"] == 12.345
    assert other.session_puts == []
    outcomes = [(o, r) for o, r, _, _ in await attempts(pool)]
    assert outcomes == [("S1", "DELIVERED"), ("S1", "DELIVERED")]


async def test_a_tariff_is_pushed_to_the_emsps_that_may_see_it(
    connect_partner: Connect, feed: Any, pusher: Pusher
) -> None:
    tnm = await connect_partner("DE", "TNM")
    abc = await connect_partner("NL", "ABC")
    tariff = {
        "country_code": "NL",
        "party_id": "EVR",
        "id": "T1",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
        "last_updated": "2024-05-01T09:00:00Z",
    }
    v1 = TariffPublished(tariff_id="T1", tariff_version=1, tariff=tariff, published_at=T9)
    await feed(v1, stream="tariff-T1", version=1, at=T9)
    await pusher.run_once()
    deal = TariffAssigned(
        location_id="LOC1",
        tariff_id="T1",
        tariff_version=1,
        effective_from=T9,
        emsp_country_code="DE",
        emsp_party_id="TNM",
    )
    await feed(deal, stream="tariff-T1", version=2, at=T9)
    v2 = v1.model_copy(update={"tariff_version": 2, "tariff": {**tariff, "currency": "CHF"}})
    await feed(v2, stream="tariff-T1", version=3, at=T9)
    await pusher.run_once()

    assert tnm.tariffs["T1"]["currency"] == "CHF"  # the newest version, whole
    assert tnm.tariffs["T1"]["elements"][0]["price_components"][0]["price"] == 0.25
    assert abc.tariffs["T1"]["currency"] == "EUR"  # it saw T1 while it was for everyone,
    # and nothing after the tariff was assigned to TNM's drivers alone
