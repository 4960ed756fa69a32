"""Properties over random tariffs and sessions (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

# hypothesis is a test-only dependency (dependency group "test" of this package); without it
# these properties are skipped, the example-based tests still run.
pytest.importorskip("hypothesis")

from hypothesis import given, settings
from pricing_strategies import prices, sessions, tariffs
from pricing_support import AMSTERDAM, tariff

from evroam_pricing import (
    CdrDimensionType,
    Price,
    PricedSession,
    SessionUsage,
    Tariff,
    price_session,
)
from evroam_pricing.engine import to_minor_unit


def priced(t: Tariff, usage: SessionUsage) -> PricedSession:
    return price_session(t, usage, time_zone=AMSTERDAM)


@settings(max_examples=150, deadline=None, database=None)
@given(tariffs(), sessions())
def test_total_cost_is_the_rounded_sum_of_the_lines(t: Tariff, usage: SessionUsage) -> None:
    result = priced(t, usage)
    excl = sum((line.cost.excl_vat for line in result.lines), Decimal(0))
    assert result.total_cost.excl_vat == to_minor_unit(excl, "EUR")
    if all(line.cost.incl_vat is not None for line in result.lines):
        incl = sum((line.cost.incl_vat or Decimal(0) for line in result.lines), Decimal(0))
        assert result.total_cost.incl_vat == to_minor_unit(incl, "EUR")
    else:
        assert result.total_cost.incl_vat is None


@settings(max_examples=150, deadline=None, database=None)
@given(tariffs(), sessions())
def test_non_negative_prices_never_give_a_negative_cost(t: Tariff, usage: SessionUsage) -> None:
    result = priced(t, usage)
    assert result.total_cost.excl_vat >= 0
    assert all(line.cost.excl_vat >= 0 and line.quantity >= 0 for line in result.lines)


@settings(max_examples=150, deadline=None, database=None)
@given(tariffs(), sessions())
def test_periods_tile_the_session_and_carry_all_its_energy(t: Tariff, usage: SessionUsage) -> None:
    periods = priced(t, usage).charging_periods
    if usage.start_at == usage.end_at:
        assert periods == ()
        return
    assert periods[0].start_date_time == usage.start_at
    assert periods[-1].end_date_time == usage.end_at
    assert all(a.end_date_time == b.start_date_time for a, b in pairwise(periods))
    energy = sum(
        (d.volume for p in periods for d in p.dimensions if d.type is CdrDimensionType.ENERGY),
        Decimal(0),
    )
    assert energy == Decimal(usage.samples[-1].energy_wh if usage.samples else 0) / 1000


@settings(max_examples=100, deadline=None, database=None)
@given(tariffs(), sessions(), prices, prices)
def test_the_total_stays_within_min_and_max_price(
    t: Tariff, usage: SessionUsage, low: Decimal, extra: Decimal
) -> None:
    limits = Price(low), Price(low + extra)
    bounded = tariff(*t.elements, min_price=limits[0], max_price=limits[1])
    total = priced(bounded, usage).total_cost.excl_vat
    assert low <= total <= low + extra
