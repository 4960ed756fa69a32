"""Properties over random tariffs and sessions (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

# hypothesis is a test-only dependency (dependency group "test" of this package); without it
# these properties are skipped, the example-based tests still run.
pytest.importorskip("hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_support import AMSTERDAM, ENERGY, FLAT, PARKING, TIME, D, hm, sample, tariff

from evroam_pricing import (
    CdrDimensionType,
    DayOfWeek,
    Price,
    PriceComponent,
    PricedSession,
    SessionUsage,
    Tariff,
    TariffElement,
    TariffRestrictions,
    price_session,
)
from evroam_pricing.engine import to_minor_unit

STEPS = {ENERGY: [1, 100, 500], TIME: [1, 60, 900], PARKING: [1, 300, 900], FLAT: [0, 1]}

prices = st.decimals(min_value=0, max_value=10, places=2)
vats = st.sampled_from([None, D(0), D("9"), D("21")])


@st.composite
def components(draw: st.DrawFn) -> PriceComponent:
    dimension = draw(st.sampled_from([ENERGY, TIME, PARKING, FLAT]))
    return PriceComponent(
        dimension, draw(prices), draw(vats), draw(st.sampled_from(STEPS[dimension]))
    )


@st.composite
def restrictions(draw: st.DrawFn) -> TariffRestrictions | None:
    kind = draw(st.sampled_from(["none", "time", "power", "kwh", "duration", "weekday"]))
    if kind == "time":
        start, end = draw(st.lists(st.integers(0, 23), min_size=2, max_size=2, unique=True))
        return TariffRestrictions(start_time=hm(f"{start:02}:00"), end_time=hm(f"{end:02}:30"))
    if kind == "power":
        return TariffRestrictions(max_power=D(draw(st.integers(1, 50))))
    if kind == "kwh":
        return TariffRestrictions(min_kwh=D(draw(st.integers(0, 30))))
    if kind == "duration":
        return TariffRestrictions(max_duration=draw(st.integers(60, 4 * 3600)))
    if kind == "weekday":
        return TariffRestrictions(day_of_week=(draw(st.sampled_from(list(DayOfWeek))),))
    return None


@st.composite
def tariffs(draw: st.DrawFn) -> Tariff:
    elements = draw(
        st.lists(
            st.builds(
                TariffElement,
                st.lists(components(), min_size=1, max_size=3).map(tuple),
                restrictions(),
            ),
            min_size=1,
            max_size=4,
        )
    )
    return tariff(*elements)


@st.composite
def sessions(draw: st.DrawFn) -> SessionUsage:
    # Spread over 2024 so that DST changes in Amsterdam fall inside some sessions.
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 525_000)))
    at, wh, samples = start, 0, []
    for _ in range(draw(st.integers(0, 6))):
        at += timedelta(seconds=draw(st.integers(1, 4 * 3600)))
        wh += draw(st.integers(0, 30_000))
        samples.append(sample(at, wh, draw(st.none() | st.integers(0, 60_000))))
    park = timedelta(seconds=draw(st.integers(0, 3 * 3600)))
    parking = ((at, at + park),) if park else ()
    return SessionUsage(start, 0, tuple(samples), at + park, parking)


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
