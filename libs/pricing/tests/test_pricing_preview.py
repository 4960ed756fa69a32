"""A preview prices an assumed session exactly like a measured one."""

from __future__ import annotations

from pricing_support import (
    AMSTERDAM,
    ENERGY,
    FLAT,
    PARKING,
    D,
    component,
    element,
    example_tariff,
    hm,
    local,
    minutes,
    session,
    tariff,
)

from evroam_pricing import Price, preview, price_session

START = local("2024-01-15 16:00")


def test_a_preview_equals_the_price_of_the_same_measured_session() -> None:
    t = example_tariff("tariff_10_025kwh_parking_start")
    estimate = preview(
        t,
        start_at=START,
        energy_wh=20_000,
        duration=minutes(60),
        parking=minutes(40),
        time_zone=AMSTERDAM,
    )
    measured = price_session(
        t, session(START, minutes(60), 20_000, park=minutes(40)), time_zone=AMSTERDAM
    )
    assert estimate.total_cost == measured.total_cost == Price(D("7.00"), D("7.90"))


def test_a_preview_across_a_price_change_splits_the_energy_evenly_in_time() -> None:
    t = tariff(
        element(component(ENERGY, "0.20"), end_time=hm("17:00")),
        element(component(ENERGY, "0.30")),
    )
    estimate = preview(
        t, start_at=START, energy_wh=10_000, duration=minutes(120), time_zone=AMSTERDAM
    )
    assert [line.quantity for line in estimate.lines] == [D(5), D(5)]
    assert estimate.total_cost.excl_vat == D("2.50")


def test_a_preview_uses_the_given_power_for_power_restrictions() -> None:
    t = example_tariff("tariffrestriction_example_max_power")
    slow = preview(
        t,
        start_at=START,
        energy_wh=10_000,
        duration=minutes(60),
        power_w=11_000,
        time_zone=AMSTERDAM,
    )
    assert slow.total_cost.excl_vat == D("2.00")


def test_a_preview_of_a_free_parking_hour_costs_only_the_start_fee() -> None:
    t = tariff(
        element(component(FLAT, "1.00")),
        element(component(PARKING, "3.00", step=60), start_time=hm("09:00"), end_time=hm("16:00")),
    )
    estimate = preview(
        t,
        start_at=START,
        energy_wh=0,
        duration=minutes(1),
        parking=minutes(60),
        time_zone=AMSTERDAM,
    )
    assert estimate.total_cost == Price(D("1.00"), D("1.20"))
