"""Charging periods start wherever another component becomes active, and nowhere else."""

from __future__ import annotations

from decimal import Decimal

from pricing_support import (
    AMSTERDAM,
    ENERGY,
    FLAT,
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

from evroam_pricing import (
    CdrDimensionType,
    ChargingPeriod,
    SessionUsage,
    price_session,
)

START = local("2024-01-15 10:00")


def volumes(period: ChargingPeriod) -> dict[CdrDimensionType, Decimal]:
    return {d.type: d.volume for d in period.dimensions}


def test_reaching_max_kwh_inside_a_sample_interval_starts_a_period_there() -> None:
    t = tariff(
        element(component(ENERGY, "0.00"), max_kwh=D(1)),
        element(component(ENERGY, "0.30")),
    )
    priced = price_session(t, session(START, minutes(60), 2_000), time_zone=AMSTERDAM)
    first, second = priced.charging_periods
    assert second.start_date_time == START + minutes(30)
    assert volumes(first)[CdrDimensionType.ENERGY] == volumes(second)[CdrDimensionType.ENERGY] == 1
    assert priced.total_cost.excl_vat == D("0.30")


def test_a_duration_limit_splits_the_energy_of_a_sample_interval_linearly_in_time() -> None:
    t = tariff(
        element(component(ENERGY, "0.00"), max_duration=1200),
        element(component(ENERGY, "0.30")),
    )
    priced = price_session(t, session(START, minutes(60), 3_000), time_zone=AMSTERDAM)
    energies = [volumes(p)[CdrDimensionType.ENERGY] for p in priced.charging_periods]
    assert energies == [D(1), D(2)]
    assert priced.total_cost.excl_vat == D("0.60")


def test_samples_that_change_no_price_do_not_start_periods() -> None:
    samples = tuple(sample(START + minutes(i), 100 * i) for i in range(1, 31))
    usage = SessionUsage(START, 0, samples, START + minutes(30))
    priced = price_session(tariff(element(component(ENERGY, "0.25"))), usage, time_zone=AMSTERDAM)
    assert len(priced.charging_periods) == 1
    assert volumes(priced.charging_periods[0])[CdrDimensionType.ENERGY] == 3


def test_periods_cover_the_session_and_parking_periods_carry_parking_time() -> None:
    t = tariff(element(component(TIME, "1.00")))
    priced = price_session(
        t, session(START, minutes(60), 2_000, park=minutes(30)), time_zone=AMSTERDAM
    )
    charging, parking = priced.charging_periods
    assert (charging.start_date_time, charging.end_date_time) == (START, START + minutes(60))
    assert parking.end_date_time == START + minutes(90)
    assert volumes(charging)[CdrDimensionType.TIME] == 1
    assert volumes(parking)[CdrDimensionType.PARKING_TIME] == D("0.5")
    assert CdrDimensionType.TIME not in volumes(parking)
    assert {p.tariff_id for p in priced.charging_periods} == {"T1"}
    assert priced.total_time_h == D("1.5")
    assert priced.total_parking_time_h == D("0.5")


def test_a_session_of_no_time_has_no_periods_but_owes_its_start_fee() -> None:
    t = tariff(element(component(FLAT, "1.00"), component(ENERGY, "0.25")))
    priced = price_session(t, SessionUsage(START, 0, (), START), time_zone=AMSTERDAM)
    assert priced.charging_periods == ()
    assert priced.total_cost.excl_vat == D("1.00")
