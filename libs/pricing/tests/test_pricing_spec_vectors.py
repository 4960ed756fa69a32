"""The worked examples of OCPI 2.2.1 (Tariffs and CDRs modules), digest section 4.10 V1..V21.

Each test: given a spec example tariff, when a session like the spec's is priced, then the
total is what the spec prints (after rounding to cents) and the unrounded lines add up to the
spec's exact figure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pricing_support import (
    AMSTERDAM,
    ENERGY,
    PARKING,
    TIME,
    D,
    component,
    element,
    example_json,
    example_tariff,
    hm,
    local,
    minutes,
    sample,
    session,
    tariff,
)

from evroam_pricing import (
    Price,
    PricedSession,
    Reservation,
    SessionUsage,
    price_expired_reservation,
    price_session,
    tariff_from_ocpi,
)
from evroam_pricing.engine.ledger import round_up_to_step

MONDAY_MORNING = local("2019-03-04 09:30")


def exact_total(priced: PricedSession) -> tuple[Decimal, Decimal | None]:
    excl = sum((line.cost.excl_vat for line in priced.lines), Decimal(0))
    incls = [line.cost.incl_vat for line in priced.lines]
    incl = None if None in incls else sum((i for i in incls if i is not None), Decimal(0))
    return excl, incl


def test_v1_twenty_kwh_at_a_quarter_costs_five_euro() -> None:
    priced = price_session(
        example_tariff("tariff_8_simple_025kwh"),
        session(MONDAY_MORNING, minutes(60), 20_000),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("5.00"), D("5.50"))
    assert priced.total_energy_cost == Price(D("5.00"), D("5.50"))


def test_v2_a_start_fee_is_added_once() -> None:
    priced = price_session(
        example_tariff("tariff_9_025kwh_start"),
        session(MONDAY_MORNING, minutes(60), 20_000),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("5.50"), D("6.10"))
    assert priced.total_fixed_cost == Price(D("0.50"), D("0.60"))


@pytest.mark.parametrize(
    ("energy_wh", "expected"),
    [(20_000, Price(D("5.00"), D("5.50"))), (1_000, Price(D("0.50"), D("0.55")))],
)
def test_v3_min_price_lifts_a_cheap_session(energy_wh: int, expected: Price) -> None:
    priced = price_session(
        example_tariff("tariff_12_025kwh_min_price"),
        session(MONDAY_MORNING, minutes(60), energy_wh),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == expected


def test_v4_forty_minutes_of_parking_are_billed_as_forty_five() -> None:
    priced = price_session(
        example_tariff("tariff_10_025kwh_parking_start"),
        session(MONDAY_MORNING, minutes(60), 20_000, park=minutes(40)),
        time_zone=AMSTERDAM,
    )
    assert priced.total_parking_cost == Price(D("1.50"), D("1.80"))
    assert priced.total_cost == Price(D("7.00"), D("7.90"))


@pytest.mark.parametrize(
    ("energy_wh", "expected"),
    [(50_000, Price(D("10.00"), D("11.00"))), (30_000, Price(D("8.00"), D("8.85")))],
)
def test_v5_max_price_caps_an_expensive_session(energy_wh: int, expected: Price) -> None:
    priced = price_session(
        example_tariff("tariff_6_025kwh_start_max_price"),
        session(MONDAY_MORNING, minutes(120), energy_wh),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == expected


def test_v6_with_only_a_time_component_parking_is_free() -> None:
    priced = price_session(
        example_tariff("tariff_1_simple_2hour"),
        session(MONDAY_MORNING, minutes(150), 20_000, park=minutes(30)),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("5.00"), D("5.50"))
    assert priced.total_parking_cost is None


def test_v7_charging_is_not_rounded_but_parking_is() -> None:
    priced = price_session(
        example_tariff("tariff_13_simple_3hour_5parking"),
        session(MONDAY_MORNING, minutes(150), 20_000, park=minutes(42)),
        time_zone=AMSTERDAM,
    )
    assert priced.total_time_cost == Price(D("7.50"), D("8.25"))
    assert priced.total_parking_cost == Price(D("3.75"), D("4.50"))
    assert priced.total_cost == Price(D("11.25"), D("12.75"))


def test_v8_ad_hoc_time_tariff_rounds_to_cents_only_at_the_end() -> None:
    priced = price_session(
        example_tariff("tariff_2_alt_text"),
        session(MONDAY_MORNING, minutes(150), 20_000),
        time_zone=AMSTERDAM,
    )
    assert exact_total(priced) == (D("4.75"), D("4.997"))
    assert priced.total_cost == Price(D("4.75"), D("5.00"))


def test_v9_energy_step_of_100_wh_bills_20_45_kwh_as_20_5() -> None:
    priced = price_session(
        example_tariff("tariff_3_alt_url"),
        session(MONDAY_MORNING, minutes(60), 20_450),
        time_zone=AMSTERDAM,
    )
    assert exact_total(priced) == (D("5.625"), D("6.2375"))
    assert priced.total_energy_cost == Price(D("5.13"), D("5.64"))
    assert priced.total_cost == Price(D("5.63"), D("6.24"))


def test_v9_with_the_alt_url_price_of_0_22() -> None:
    original = example_tariff("tariff_3_alt_url")
    flat, energy = original.elements[0].price_components
    cheaper = replace(
        original,
        elements=(
            replace(
                original.elements[0], price_components=(flat, replace(energy, price=D("0.22")))
            ),
        ),
    )
    priced = price_session(
        cheaper, session(MONDAY_MORNING, minutes(60), 20_450), time_zone=AMSTERDAM
    )
    assert exact_total(priced) == (D("5.01"), D("5.561"))
    assert priced.total_cost == Price(D("5.01"), D("5.56"))


def test_v10a_complex_tariff_on_a_monday_morning_at_16_amps() -> None:
    priced = price_session(
        example_tariff("tariff_4_complex"),
        session(local("2019-03-04 09:30"), minutes(165), 10_000, park=minutes(42), current_a=D(16)),
        time_zone=AMSTERDAM,
    )
    assert priced.total_fixed_cost == Price(D("2.50"), D("2.88"))
    assert priced.total_time_cost == Price(D("2.75"), D("3.30"))
    assert priced.total_parking_cost == Price(D("3.75"), D("4.13"))
    assert exact_total(priced) == (D("9.00"), D("10.30"))
    assert priced.total_cost == Price(D("9.00"), D("10.30"))


def test_v10b_complex_tariff_on_a_saturday_afternoon_at_43_amps() -> None:
    # The 2.2.1 tag's figures; d2 prints 12.28 / 13.861, an arithmetic slip (digest 8.2).
    priced = price_session(
        example_tariff("tariff_4_complex"),
        session(local("2019-03-09 13:30"), minutes(114), 20_000, park=minutes(71), current_a=D(43)),
        time_zone=AMSTERDAM,
    )
    assert exact_total(priced) == (D("12.375"), D("13.975"))
    assert priced.total_cost == Price(D("12.38"), D("13.98"))


def test_v11_free_of_charge_tariff_costs_nothing_even_without_vat() -> None:
    priced = price_session(
        example_tariff("tariff_5_free_of_charge"),
        session(MONDAY_MORNING, minutes(60), 20_000, park=minutes(10)),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("0.00"), D("0.00"))


def reserved_session(minutes_reserved: int, start: datetime = MONDAY_MORNING) -> SessionUsage:
    charging = session(start, minutes(60), 20_000)
    return replace(charging, reservation=Reservation(start - minutes(minutes_reserved), start))


def test_v12_reservation_time_is_priced_before_the_session() -> None:
    priced = price_session(
        example_tariff("tariff_15_reservation_5_euro_per_hour"),
        reserved_session(15),
        time_zone=AMSTERDAM,
    )
    assert priced.total_reservation_cost == Price(D("1.25"), D("1.50"))
    assert priced.total_cost == Price(D("6.75"), D("7.60"))


def test_v13_reservation_fee_and_time_rounded_to_five_minutes() -> None:
    priced = price_session(
        example_tariff("tariff_16_reservation_2_euro_fee_5_euro_per_hour"),
        reserved_session(13),
        time_zone=AMSTERDAM,
    )
    assert priced.total_reservation_cost == Price(D("3.25"), D("3.90"))
    assert priced.total_cost == Price(D("8.75"), D("10.00"))


def test_v14a_a_used_reservation_owes_no_expiry_fee() -> None:
    priced = price_session(
        example_tariff("tariff_17_reservation_with_expire_fee"),
        reserved_session(22),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("6.50"), D("7.30"))


def test_v14b_an_expired_reservation_owes_its_time_and_the_expiry_fee() -> None:
    priced = price_expired_reservation(
        example_tariff("tariff_17_reservation_with_expire_fee"),
        Reservation(MONDAY_MORNING, MONDAY_MORNING + minutes(60)),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("6.00"), D("7.20"))
    assert priced.total_fixed_cost is None


def test_v15a_a_used_reservation_is_priced_at_the_reservation_rate() -> None:
    priced = price_session(
        example_tariff("tariff_18_reservation_with_expire_time"),
        reserved_session(22),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("7.00"), D("7.90"))


def test_v15b_an_expired_reservation_is_priced_at_the_expiry_rate() -> None:
    priced = price_expired_reservation(
        example_tariff("tariff_18_reservation_with_expire_time"),
        Reservation(MONDAY_MORNING, MONDAY_MORNING + minutes(90)),
        time_zone=AMSTERDAM,
    )
    assert priced.total_cost == Price(D("9.00"), D("10.80"))


@pytest.mark.parametrize(
    ("plug_in", "charge", "park", "expected"),
    [
        ("16:55", 10, 2, D("0.55")),  # V16a
        ("16:35", 35, 0, D("1.30")),  # V16b
        ("19:40", 12, 20, D("0.73")),  # V16c
    ],
)
def test_v16_step_size_when_switching_elements(
    plug_in: str, charge: int, park: int, expected: Decimal
) -> None:
    priced = price_session(
        example_tariff("tariff_14_step_size"),
        session(local(f"2019-03-04 {plug_in}"), minutes(charge), 5_000, park=minutes(park)),
        time_zone=AMSTERDAM,
    )
    assert exact_total(priced)[0] == expected
    assert priced.total_cost == Price(expected, None)  # no vat in the tariff: incl unknown


def test_v17_power_restrictions_price_each_kwh_at_its_charging_power() -> None:
    start = MONDAY_MORNING
    usage = SessionUsage(
        start_at=start,
        meter_start_wh=0,
        samples=(
            sample(start + minutes(10), 1_000, 6_000),
            sample(start + minutes(60), 41_000, 48_000),
            sample(start + minutes(67.5), 41_500, 4_000),
        ),
        end_at=start + minutes(67.5),
    )
    priced = price_session(
        example_tariff("tariffrestriction_example_max_power"), usage, time_zone=AMSTERDAM
    )
    assert [line.unit_price for line in priced.lines] == [D("0.20"), D("0.50"), D("0.20")]
    assert priced.total_cost == Price(D("20.30"), D("24.36"))


def test_v18_duration_restrictions_make_the_first_half_hour_free() -> None:
    start = MONDAY_MORNING
    usage = SessionUsage(
        start_at=start,
        meter_start_wh=0,
        samples=(sample(start + minutes(30), 5_000), sample(start + minutes(40), 6_200)),
        end_at=start + minutes(40),
    )
    priced = price_session(
        example_tariff("tariffrestriction_example_max_duration"), usage, time_zone=AMSTERDAM
    )
    assert priced.total_cost == Price(D("0.30"), D("0.36"))


@pytest.mark.parametrize(
    ("step", "billed_wh", "cost"),
    [(1, 116, D("0.029")), (25, 125, D("0.03125")), (500, 500, D("0.125"))],
)
def test_v19_115_2_wh_is_billed_in_whole_steps(step: int, billed_wh: int, cost: Decimal) -> None:
    # Priced only in the first minute of a 10-minute, 1152 Wh session: 115.2 Wh by time share.
    t = tariff(element(component(ENERGY, "0.25", step), max_duration=60))
    priced = price_session(t, session(MONDAY_MORNING, minutes(10), 1_152), time_zone=AMSTERDAM)
    (line,) = priced.lines
    assert round_up_to_step(D("115.2"), step) == billed_wh
    assert line.quantity == D(billed_wh) / 1000
    assert line.cost.excl_vat == cost


def test_v20_the_cdr_example_bills_118_minutes_as_120() -> None:
    cdr = example_json("cdr_example")
    usage = SessionUsage(
        start_at=datetime(2015, 6, 29, 21, 39, 9, tzinfo=UTC),
        meter_start_wh=0,
        samples=(sample(datetime(2015, 6, 29, 23, 37, 32, tzinfo=UTC), 15_342),),
        end_at=datetime(2015, 6, 29, 23, 37, 32, tzinfo=UTC),
    )
    priced = price_session(tariff_from_ocpi(cdr["tariffs"][0]), usage, time_zone="Europe/Brussels")
    assert priced.total_cost == Price(D("4.00"), D("4.40"))
    assert priced.total_time_cost == Price(D("4.00"), D("4.40"))
    assert round(priced.total_time_h, 3) == cdr["total_time"]
    assert priced.total_energy_kwh == cdr["total_energy"]


def test_v21a_energy_step_rounds_the_session_total_at_the_last_price() -> None:
    t = tariff(
        element(component(ENERGY, "0.20", 500), end_time=hm("17:00")),
        element(component(ENERGY, "0.27", 500)),
    )
    start = local("2019-03-04 16:00")
    usage = SessionUsage(
        start_at=start,
        meter_start_wh=0,
        samples=(sample(start + minutes(60), 4_300), sample(start + minutes(120), 5_400)),
        end_at=start + minutes(120),
    )
    priced = price_session(t, usage, time_zone=AMSTERDAM)
    assert [(line.quantity, line.step_extra) for line in priced.lines] == [
        (D("4.3"), 0),
        (D("1.2"), D("0.1")),
    ]
    assert exact_total(priced)[0] == D("1.184")


def test_v21b_time_step_rounds_the_session_total_at_the_last_price() -> None:
    t = tariff(
        element(component(TIME, "5", 600), end_time=hm("17:00")),
        element(component(TIME, "7", 600)),
    )
    usage = session(local("2019-03-04 16:54"), minutes(28), 5_000)
    priced = price_session(t, usage, time_zone=AMSTERDAM)
    assert exact_total(priced)[0] == D("3.30")


def test_v21c_only_the_parking_total_is_rounded_after_charging() -> None:
    t = tariff(element(component(TIME, "1", 600), component(PARKING, "2", 600)))
    usage = session(MONDAY_MORNING, minutes(21), 5_000, park=minutes(16))
    priced = price_session(t, usage, time_zone=AMSTERDAM)
    assert priced.total_time_cost == Price(D("0.35"), D("0.42"))
    assert priced.total_parking_cost == Price(D("0.67"), D("0.80"))
    assert priced.total_cost.excl_vat == D("1.02")
