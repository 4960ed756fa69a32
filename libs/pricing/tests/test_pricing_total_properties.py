"""Properties of the totals: they are the sum of the itemised lines, each line prices one
charging period's volume, and incl. VAT follows excl. VAT within the documented rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

# hypothesis is a test-only dependency (dependency group "test"); without it these are skipped.
pytest.importorskip("hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_strategies import limits, prices, sessions, tariffs
from pricing_support import AMSTERDAM, D, tariff

from evroam_pricing import (
    CdrDimensionType,
    CostCategory,
    CostLine,
    PricedSession,
    SessionUsage,
    Tariff,
    TariffDimensionType,
    minor_unit,
    price_session,
)
from evroam_pricing.engine import to_minor_unit

# The engine divides seconds by 3600 in a 28-digit context, so a line's hours and cost can
# differ from the same value computed in another order by ~1e-25; 1e-18 is far below any
# minor unit and far above that noise.
NOISE = Decimal("1e-18")
_VOLUME_OF = {
    TariffDimensionType.ENERGY: CdrDimensionType.ENERGY,
    TariffDimensionType.TIME: CdrDimensionType.TIME,
    TariffDimensionType.PARKING_TIME: CdrDimensionType.PARKING_TIME,
}
_TOTALS = {
    CostCategory.FIXED: "total_fixed_cost",
    CostCategory.ENERGY: "total_energy_cost",
    CostCategory.TIME: "total_time_cost",
    CostCategory.PARKING_TIME: "total_parking_cost",
}
EXAMPLES = settings(max_examples=200, deadline=None, database=None)


def _clamp(value: Decimal, low: Decimal | None, high: Decimal | None) -> Decimal:
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def _volume_priced_by(result: PricedSession, line: CostLine) -> Decimal:
    """The volume of the line's dimension in the charging period the line spans."""
    period = next(
        p
        for p in result.charging_periods
        if (p.start_date_time, p.end_date_time) == (line.from_at, line.to_at)
    )
    return next(d.volume for d in period.dimensions if d.type is _VOLUME_OF[line.dimension])


@EXAMPLES
@given(tariffs(), sessions(), st.none() | st.tuples(prices, prices))
def test_the_total_is_the_sum_of_the_lines_clamped_then_rounded(
    t: Tariff, usage: SessionUsage, bounds: tuple[Decimal, Decimal] | None
) -> None:
    if bounds is not None:
        low, high = limits(*bounds, vat_factor=None)
        t = tariff(*t.elements, min_price=low, max_price=high)
    result = price_session(t, usage, time_zone=AMSTERDAM)
    excl = sum((line.cost.excl_vat for line in result.lines), Decimal(0))
    low_excl = t.min_price.excl_vat if t.min_price else None
    high_excl = t.max_price.excl_vat if t.max_price else None
    assert result.total_cost.excl_vat == to_minor_unit(_clamp(excl, low_excl, high_excl), "EUR")
    for category, name in _TOTALS.items():
        costs = [line.cost.excl_vat for line in result.lines if line.category is category]
        expected = to_minor_unit(sum(costs, Decimal(0)), "EUR") if costs else None
        breakdown = getattr(result, name)
        assert (breakdown.excl_vat if breakdown else None) == expected


@EXAMPLES
@given(tariffs(), sessions())
def test_every_line_prices_the_volume_of_one_charging_period_plus_its_step_extra(
    t: Tariff, usage: SessionUsage
) -> None:
    result = price_session(t, usage, time_zone=AMSTERDAM)
    for line in result.lines:
        if line.dimension is TariffDimensionType.FLAT:
            assert (line.quantity, line.cost.excl_vat) == (D(1), line.unit_price)
            continue
        volume = _volume_priced_by(result, line)
        assert abs(line.quantity - line.step_extra - volume) < NOISE
        assert abs(line.cost.excl_vat - (volume + line.step_extra) * line.unit_price) < NOISE
        if line.vat is not None:
            assert line.cost.incl_vat == line.cost.excl_vat * (1 + line.vat / 100)
    volumes = [d for p in result.charging_periods for d in p.dimensions]

    def total(*kinds: CdrDimensionType) -> Decimal:
        return sum((d.volume for d in volumes if d.type in kinds), Decimal(0))

    # kWh are Wh / 1000, exact; hours are seconds / 3600 per period, so only to NOISE.
    assert total(CdrDimensionType.ENERGY) == result.total_energy_kwh
    parking_h = total(CdrDimensionType.PARKING_TIME)
    assert abs(parking_h - result.total_parking_time_h) < NOISE
    time_h = total(CdrDimensionType.TIME, CdrDimensionType.PARKING_TIME)
    assert abs(time_h - result.total_time_h) < NOISE


@st.composite
def single_rate_tariffs(draw: st.DrawFn) -> tuple[Tariff, Decimal]:
    """A tariff whose every component has the same VAT rate, with price limits consistent
    with it, in a currency with 2, 0 or 3 decimals."""
    rate = draw(st.sampled_from([D(0), D("5.2"), D(9), D(19), D(21), D("25.5")]))
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    t = draw(tariffs(vat=st.just(rate), currency=currency))
    bounds = draw(st.none() | st.tuples(prices, prices))
    if bounds is not None:
        low, high = limits(*bounds, vat_factor=1 + rate / 100)
        t = tariff(*t.elements, currency=currency, min_price=low, max_price=high)
    return t, rate


@EXAMPLES
@given(single_rate_tariffs(), sessions())
def test_incl_vat_is_excl_vat_times_one_plus_the_rate_up_to_the_two_roundings(
    tariff_and_rate: tuple[Tariff, Decimal], usage: SessionUsage
) -> None:
    """Both totals are rounded from the same exact sum S: excl = round(S) is off by at most half
    a minor unit u, which becomes u/2 * (1 + rate/100) once multiplied; incl = round(S * (1 +
    rate/100)) is off by at most u/2 on its own. Lines are never rounded, so the error does not
    grow with the number of lines: |incl - excl * (1 + rate/100)| <= u/2 * (2 + rate/100)
    (0.01105 EUR at 21 %). Both being multiples of u, incl is then within one u of excl * (1 +
    rate/100) rounded."""
    t, rate = tariff_and_rate
    factor = 1 + rate / 100
    u = Decimal(1).scaleb(-minor_unit(t.currency))
    total = price_session(t, usage, time_zone=AMSTERDAM).total_cost
    assert total.incl_vat is not None
    assert abs(total.incl_vat - total.excl_vat * factor) <= u / 2 * (1 + factor)
    assert abs(total.incl_vat - to_minor_unit(total.excl_vat * factor, t.currency)) <= u
