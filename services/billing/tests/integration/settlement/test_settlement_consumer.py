"""The settlement consumer on a real PostgreSQL, fed both of its topics: partners' CDRs are
listed once on their eMSP's statement, delivered pushes make them SENT in whatever order the
topics deliver, credit CDRs credit, and duplicates change nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_contracts.cdr import Cdr

# The feed is conftest's SettlementFeed (a fixture: pytest does not put this directory on
# sys.path, so its class cannot be imported here).
SettlementFeed = Any
PartnerCdr = Callable[..., Cdr]
STATEMENT = "STM-DE-TNM-2026-03"


async def test_partner_cdrs_are_listed_per_emsp_and_local_month(
    feed: SettlementFeed, partner_cdr: PartnerCdr
) -> None:
    first = feed.issued(partner_cdr("CDR-1"), correlation_id="corr-S-1")

    await feed.deliver(first)
    await feed.issue(partner_cdr("CDR-2", end="2026-03-31T22:30:00Z"))  # 00:30 on 1 April
    await feed.issue(partner_cdr("CDR-3", emsp="BE*ABC"), "Europe/Brussels")
    await feed.issue(partner_cdr("CDR-4", emsp="NL*EVR"))  # our own driver: an invoice

    [line] = await feed.events()
    assert (line.type, line.payload["cdr_id"], line.payload["line_no"]) == (
        "billing.statement_line_added",
        "CDR-1",
        1,
    )
    assert line.correlation_id == "corr-S-1"
    assert line.metadata["causation_id"] == str(first.event_id)
    assert [e.payload["cdr_id"] for e in await feed.events("STM-DE-TNM-2026-04")] == ["CDR-2"]
    assert [e.payload["cdr_id"] for e in await feed.events("STM-BE-ABC-2026-03")] == ["CDR-3"]
    assert await feed.events("STM-NL-EVR-2026-03") == []
    assert feed.dead_letters == []


async def test_a_cdr_delivered_again_or_published_again_is_listed_once(
    feed: SettlementFeed, partner_cdr: PartnerCdr
) -> None:
    envelope = feed.issued(partner_cdr("CDR-1"))

    await feed.deliver(envelope)
    await feed.deliver(envelope)  # redelivered: the processed-event row stops it
    await feed.issue(partner_cdr("CDR-1"))  # re-published with a new event id: the index does

    assert len(await feed.events()) == 1
    assert feed.consumer.duplicates == 1


async def test_a_delivered_push_makes_the_cdr_sent_once(
    feed: SettlementFeed, partner_cdr: PartnerCdr
) -> None:
    await feed.issue(partner_cdr("CDR-1"))
    push = feed.push("CDR-1")

    await feed.delivered("CDR-1", "FAILED", next_attempt_at="2026-03-10T10:06:00Z")
    await feed.deliver(push)
    await feed.deliver(push)
    await feed.delivered("CDR-1")  # a replayed push, delivered again
    await feed.delivered("CDR-1", module="sessions")  # not a CDR

    _, sent = await feed.events()
    assert (sent.payload["previous_state"], sent.payload["state"]) == ("ISSUED", "SENT")
    assert sent.payload["partner_id"] == "partner-tnm"
    assert sent.metadata["causation_id"] == str(push.event_id)
    assert sent.correlation_id == "corr-CDR-1"


async def test_a_push_delivered_before_its_cdr_came_is_applied_when_it_comes(
    feed: SettlementFeed, partner_cdr: PartnerCdr, pool: AsyncConnectionPool
) -> None:
    await feed.delivered("CDR-1")  # the roaming topic ran ahead of the CDR topic
    await feed.delivered("CDR-2", "DEAD_LETTERED")
    assert await feed.events() == []

    await feed.issue(partner_cdr("CDR-1"))
    await feed.issue(partner_cdr("CDR-2"))

    assert await feed.states() == {"CDR-1": "SENT", "CDR-2": "ISSUED"}
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM settlement_early_deliveries")
        assert await cur.fetchone() == (0,)


async def test_pushes_and_cdrs_racing_each_other_never_lose_a_delivery(
    feed: SettlementFeed, partner_cdr: PartnerCdr
) -> None:
    ids = [f"CDR-{n}" for n in range(1, 9)]

    # Both consumers' transactions run at once: each CDR is listed SENT either way.
    await asyncio.gather(
        *(feed.issue(partner_cdr(i)) for i in ids), *(feed.delivered(i) for i in ids)
    )

    assert await feed.states() == dict.fromkeys(ids, "SENT")
    lines = [e for e in await feed.events() if e.type == "billing.statement_line_added"]
    assert sorted(e.payload["line_no"] for e in lines) == list(range(1, 9))
    assert feed.dead_letters == []


async def test_a_credit_cdr_is_a_negative_line_and_credits_its_cdr(
    feed: SettlementFeed, partner_cdr: PartnerCdr
) -> None:
    credit: dict[str, Any] = {"credit": True, "credit_reference_id": "CDR-1"}
    await feed.issue(partner_cdr("CDR-1"))
    await feed.issue(partner_cdr("CDR-1-C", total="-3.59", incl="-4.34", **credit))
    await feed.issue(partner_cdr("CDR-1-R", total="3.00", incl="3.63"))

    _, credit_line, credited, corrected = await feed.events()
    assert credit_line.payload["amount"] == {"excl_vat": "-3.59", "incl_vat": "-4.34"}
    assert (credited.payload["cdr_id"], credited.payload["state"]) == ("CDR-1", "CREDITED")
    assert credited.payload["credit_cdr_id"] == "CDR-1-C"
    assert (corrected.payload["cdr_id"], corrected.payload["line_no"]) == ("CDR-1-R", 3)


async def test_a_credit_cdr_goes_on_the_statement_of_the_cdr_it_cancels(
    feed: SettlementFeed, partner_cdr: PartnerCdr
) -> None:
    # Not OCPI's rule (a credit repeats its CDR's data), but a credit with its own end time
    # must still net out where its CDR is.
    await feed.issue(partner_cdr("CDR-1"))
    late = partner_cdr("CDR-1-C", end="2026-04-02T10:00:00Z", credit=True)
    await feed.issue(late.model_copy(update={"credit_reference_id": "CDR-1"}))

    assert await feed.states() == {"CDR-1": "CREDITED", "CDR-1-C": "ISSUED"}
    assert await feed.events("STM-DE-TNM-2026-04") == []


async def test_a_cdr_whose_time_zone_is_unknown_is_dead_lettered_with_the_reason(
    feed: SettlementFeed, partner_cdr: PartnerCdr
) -> None:
    await feed.issue(partner_cdr("CDR-1"), time_zone="Mars/Olympus_Mons")

    [headers] = feed.dead_letters
    assert "UnknownTimeZoneError" in headers["x_dlq_reason"]
    assert headers["x_dlq_consumer"] == "evroam.billing.settlement"
    assert await feed.events() == []


async def test_our_own_drivers_cdrs_and_their_pushes_make_no_statement(
    feed: SettlementFeed, partner_cdr: PartnerCdr, pool: AsyncConnectionPool
) -> None:
    await feed.issue(partner_cdr("CDR-1", emsp="NL*EVR"))
    await feed.delivered("CDR-1")

    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM events")
        assert await cur.fetchone() == (0,)
    assert feed.dead_letters == []


async def test_pushes_the_group_does_not_act_on_cost_it_no_transaction(
    feed: SettlementFeed, pool: AsyncConnectionPool
) -> None:
    """Sessions' and locations' pushes and failed attempts far outnumber delivered CDRs: the
    consumer's filter skips them before any processed-event row is written."""
    await feed.delivered("CDR-9", "FAILED", next_attempt_at="2026-03-10T10:06:00Z")
    await feed.delivered("S-1", module="sessions")
    await feed.delivered("L-1", module="locations")
    skipped = feed.consumer.handled
    await feed.delivered("CDR-9")  # delivered, before its CDR: remembered

    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM processed_events")
        rows = await cur.fetchone()
    assert (skipped, feed.consumer.handled) == (0, 1)
    assert rows == (1,)
