"""step_size: once per session, on the total, with the last component's step and price."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from pricing_support import (
    AMSTERDAM,
    ENERGY,
    PARKING,
    TIME,
    D,
    component,
    element,
    hm,
    local,
    minutes,
    sample,
    session,
    tariff,
)

from evroam_pricing import (
    CostCategory,
    Reservation,
    ReservationRestrictionType,
    SessionUsage,
    price_session,
)

START = local("2024-01-15 10:00")


def test_the_step_of_the_last_energy_component_decides_not_the_first() -> None:
    t = tariff(
        element(component(ENERGY, "0.20", step=1000), end_time=hm("17:00")),
        element(component(ENERGY, "0.30", step=1)),
    )
    priced = price_session(
        t, session(local("2024-01-15 16:00"), minutes(120), 5_401), time_zone=AMSTERDAM
    )
    assert [line.step_extra for line in priced.lines] == [0, 0]


def test_time_is_rounded_on_the_session_total_not_per_period() -> None:
    # Samples every minute make many sample intervals; 7.5 min at step 60 s bills 8 min.
    samples = tuple(sample(START + minutes(i + 1), 100 * (i + 1)) for i in range(7))
    usage = SessionUsage(
        start_at=START,
        meter_start_wh=0,
        samples=(*samples, sample(START + minutes(7.5), 750)),
        end_at=START + minutes(7.5),
    )
    priced = price_session(tariff(element(component(TIME, "6", 60))), usage, time_zone=AMSTERDAM)
    assert len(priced.lines) == 1
    assert priced.lines[0].quantity == D(8) / 60
    assert priced.total_cost.excl_vat == D("0.80")


def test_charging_time_alone_is_rounded_when_parking_is_not_priced() -> None:
    t = tariff(element(component(TIME, "6", 600)))
    priced = price_session(
        t, session(START, minutes(21), 5_000, park=minutes(30)), time_zone=AMSTERDAM
    )
    assert priced.lines[0].quantity * 60 == 30
    assert priced.lines[0].step_extra * 60 == 9


def test_parking_rounding_is_billed_at_the_last_priced_parking_component() -> None:
    t = tariff(
        element(component(PARKING, "1.00", 900), end_time=hm("20:00")),
        element(component(TIME, "2.40", 900)),
    )
    priced = price_session(
        t,
        session(local("2024-01-15 19:40"), minutes(12), 5_000, park=minutes(20)),
        time_zone=AMSTERDAM,
    )
    parking = [line for line in priced.lines if line.category is CostCategory.PARKING_TIME]
    assert len(parking) == 1
    assert parking[0].to_at == local("2024-01-15 20:00")
    assert parking[0].quantity * 60 == 15


def test_reservation_time_is_rounded_apart_from_charging_time() -> None:
    t = tariff(
        element(component(TIME, "6", 600), reservation=ReservationRestrictionType.RESERVATION),
        element(component(TIME, "6", 60)),
    )
    usage = replace(
        session(START, timedelta(seconds=21 * 60 + 30), 5_000),
        reservation=Reservation(START - minutes(22), START),
    )
    priced = price_session(t, usage, time_zone=AMSTERDAM)
    reservation, charging = priced.lines
    assert reservation.category is CostCategory.RESERVATION
    assert reservation.quantity * 60 == 30
    assert charging.quantity * 60 == 22


def test_an_energy_quantity_already_on_a_step_gets_no_extra() -> None:
    t = tariff(element(component(ENERGY, "0.25", 500)))
    priced = price_session(t, session(START, minutes(60), 20_000), time_zone=AMSTERDAM)
    assert priced.lines[0].step_extra == 0
    assert priced.total_cost.excl_vat == D("5.00")
