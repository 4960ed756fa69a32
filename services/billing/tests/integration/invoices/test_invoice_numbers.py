"""Closing a month issues its open invoices with numbers from each issuer's gapless sequence,
taken in the transaction of the issue: concurrent closes and per-session issues never skip or
reuse a number, and a close is idempotent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_billing.domain.decider import SetBillingMode
from evroam_billing.domain.errors import PeriodNotEndedError
from evroam_billing.handlers.commands import execute, handle_close_period
from evroam_contracts.cdr import Cdr

MakeCdr = Callable[..., Cdr]
Feed = Any
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


async def numbers(pool: AsyncConnectionPool) -> list[tuple[str, int, str]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload->>'number', (payload->>'sequence')::int, type FROM events"
            " WHERE type IN ('billing.invoice_issued', 'billing.credit_note_issued')"
            " ORDER BY 2"
        )
        return [(str(n), int(s), str(t)) for n, s, t in await cur.fetchall()]


async def per_session(pool: AsyncConnectionPool, contract_id: str) -> None:
    async with pool.connection() as conn, conn.transaction():
        await execute(conn, contract_id, SetBillingMode(contract_id, "per_session"), NOW)


async def test_closing_a_month_issues_its_open_invoices_once(
    feed: Feed, driver_cdr: MakeCdr, pool: AsyncConnectionPool
) -> None:
    for n in (1, 2, 3):
        await feed.issue(driver_cdr(f"CDR-{n}", contract_id=f"NL-EVR-C{n}"))
    await feed.issue(driver_cdr("CDR-APRIL", contract_id="NL-EVR-C1", end="2026-04-01T10:00:00Z"))

    first = await handle_close_period(pool, "2026-03", NOW)
    again = await handle_close_period(pool, "2026-03", NOW)

    assert [(i.contract_id, i.number) for i in first] == [
        ("NL-EVR-C1", "NL-EVR-2026-000001"),
        ("NL-EVR-C2", "NL-EVR-2026-000002"),
        ("NL-EVR-C3", "NL-EVR-2026-000003"),
    ]
    assert again == []
    assert len(await numbers(pool)) == 3  # April's invoice stays open
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM events WHERE type = 'billing.invoicing_period_closed'"
        )
        assert await cur.fetchone() == (1,)


async def test_a_month_that_has_not_ended_cannot_be_closed(pool: AsyncConnectionPool) -> None:
    with pytest.raises(PeriodNotEndedError):
        await handle_close_period(pool, "2026-04", NOW)


async def test_a_cdr_after_the_close_goes_on_the_next_invoice_and_the_issued_one_stays(
    feed: Feed, driver_cdr: MakeCdr, pool: AsyncConnectionPool
) -> None:
    await feed.issue(driver_cdr("CDR-1"))
    [march] = await handle_close_period(pool, "2026-03", NOW)

    await feed.issue(driver_cdr("CDR-LATE", end="2026-03-30T10:00:00Z"))

    first, late = await feed.lines()
    assert first.payload["invoice_id"] == march.invoice_id
    assert march.last_line_no == 1
    assert (late.payload["billing_period"], late.payload["cdr_period"]) == ("2026-04", "2026-03")
    assert late.payload["note"] == (
        "charged in 2026-03, after invoice NL-EVR-2026-000001 of that month was issued"
    )


async def test_a_credit_of_an_issued_invoices_cdr_takes_the_next_number(
    feed: Feed, driver_cdr: MakeCdr, pool: AsyncConnectionPool
) -> None:
    await feed.issue(driver_cdr("CDR-1"))
    await handle_close_period(pool, "2026-03", NOW)

    credit = driver_cdr("CDR-1-C", total="-3.59", incl="-4.34", credit=True,
                        credit_reference_id="CDR-1")  # fmt: skip
    await feed.issue(credit)

    assert await numbers(pool) == [
        ("NL-EVR-2026-000001", 1, "billing.invoice_issued"),
        ("NL-EVR-2026-000002", 2, "billing.credit_note_issued"),
    ]
    assert feed.dead_letters == []


@pytest.mark.timeout(120)
async def test_concurrent_closes_and_per_session_issues_number_gaplessly(
    feed: Feed, driver_cdr: MakeCdr, pool: AsyncConnectionPool
) -> None:
    monthly = [f"NL-EVR-M{n:02d}" for n in range(12)]
    sessions = [f"NL-EVR-S{n:02d}" for n in range(6)]
    for contract in monthly:
        await feed.issue(driver_cdr(f"CDR-{contract}", contract_id=contract))
    for contract in sessions:
        await per_session(pool, contract)

    # Two operators close March while per-session CDRs are issued, all at once.
    closes = [handle_close_period(pool, "2026-03", NOW) for _ in range(2)]
    issues = [
        feed.issue(driver_cdr(f"CDR-{c}-{k}", contract_id=c)) for c in sessions for k in (1, 2)
    ]
    results = await asyncio.gather(*closes, *issues)

    closed = [i.invoice_id for r in results[:2] for i in r]
    assert sorted(closed) == sorted(f"INV-{c}-2026-03" for c in monthly)  # each once
    issued = await numbers(pool)
    n = len(monthly) + 2 * len(sessions)
    assert [s for _, s, _ in issued] == list(range(1, n + 1))
    assert len({number for number, _, _ in issued}) == n
    assert feed.dead_letters == []
