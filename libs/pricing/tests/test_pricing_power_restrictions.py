"""Power and current restrictions follow the level of each sample interval."""

from __future__ import annotations

from pricing_support import (
    AMSTERDAM,
    ENERGY,
    TIME,
    D,
    component,
    element,
    local,
    minutes,
    sample,
    session,
    tariff,
)

from evroam_pricing import CdrDimensionType, SessionUsage, price_session

START = local("2024-01-15 10:00")
BY_POWER = tariff(
    element(component(ENERGY, "0.20"), max_power=D(16)),
    element(component(ENERGY, "0.35"), min_power=D(16), max_power=D(32)),
    element(component(ENERGY, "0.50")),
)


def test_max_power_is_exclusive_and_min_power_inclusive() -> None:
    priced = price_session(
        BY_POWER, session(START, minutes(60), 16_000, power_w=16_000), time_zone=AMSTERDAM
    )
    assert [line.unit_price for line in priced.lines] == [D("0.35")]


def test_without_reported_power_the_average_power_of_the_interval_is_used() -> None:
    priced = price_session(BY_POWER, session(START, minutes(60), 40_000), time_zone=AMSTERDAM)
    assert [line.unit_price for line in priced.lines] == [D("0.50")]


def test_a_power_change_starts_a_new_period_that_shows_its_power() -> None:
    usage = SessionUsage(
        start_at=START,
        meter_start_wh=0,
        samples=(
            sample(START + minutes(30), 5_000, 10_000),
            sample(START + minutes(60), 15_000, 20_000),
            sample(START + minutes(90), 25_000, 20_000),
        ),
        end_at=START + minutes(90),
    )
    priced = price_session(BY_POWER, usage, time_zone=AMSTERDAM)
    assert len(priced.charging_periods) == 2
    second = {d.type: d.volume for d in priced.charging_periods[1].dimensions}
    assert second[CdrDimensionType.MAX_POWER] == 20
    assert second[CdrDimensionType.ENERGY] == 20
    assert priced.total_cost.excl_vat == D("0.20") * 5 + D("0.35") * 20


def test_an_unknown_current_matches_no_current_restriction() -> None:
    t = tariff(
        element(component(TIME, "1.00"), max_current=D(32)),
        element(component(TIME, "2.00")),
    )
    unknown = price_session(t, session(START, minutes(60), 10_000), time_zone=AMSTERDAM)
    reported = price_session(
        t, session(START, minutes(60), 10_000, current_a=D(16)), time_zone=AMSTERDAM
    )
    assert unknown.total_cost.excl_vat == D("2.00")
    assert reported.total_cost.excl_vat == D("1.00")


def test_min_and_max_current_show_in_the_period() -> None:
    t = tariff(element(component(TIME, "1.00"), min_current=D(32)))
    priced = price_session(
        t, session(START, minutes(60), 10_000, current_a=D(43)), time_zone=AMSTERDAM
    )
    dims = {d.type: d.volume for d in priced.charging_periods[0].dimensions}
    assert dims[CdrDimensionType.MIN_CURRENT] == dims[CdrDimensionType.MAX_CURRENT] == 43
    assert priced.total_cost.excl_vat == D("1.00")
