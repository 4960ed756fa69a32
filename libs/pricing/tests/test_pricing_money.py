"""VAT, min/max price and the one rounding step."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext

import pytest
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
    session,
    tariff,
)

from evroam_pricing import Price, price_session
from evroam_pricing.engine import to_minor_unit
from evroam_pricing.errors import UnknownCurrencyError

START = local("2024-01-15 10:00")


def test_a_component_without_vat_makes_the_total_incl_vat_unknown() -> None:
    t = tariff(element(component(FLAT, "1.00", vat="20"), component(ENERGY, "0.25", vat=None)))
    priced = price_session(t, session(START, minutes(60), 4_000), time_zone=AMSTERDAM)
    assert priced.total_cost == Price(D("2.00"), None)
    assert priced.total_fixed_cost == Price(D("1.00"), D("1.20"))
    assert priced.total_energy_cost == Price(D("1.00"), None)


def test_zero_vat_is_not_the_same_as_no_vat() -> None:
    t = tariff(element(component(ENERGY, "0.25", vat="0")))
    priced = price_session(t, session(START, minutes(60), 4_000), time_zone=AMSTERDAM)
    assert priced.total_cost == Price(D("1.00"), D("1.00"))


def test_min_price_bounds_excl_and_incl_vat_independently() -> None:
    # 0.40 excl / 0.48 incl is below the excl bound only.
    t = tariff(
        element(component(ENERGY, "0.10", vat="20")),
        min_price=Price(D("0.50"), D("0.45")),
    )
    priced = price_session(t, session(START, minutes(60), 4_000), time_zone=AMSTERDAM)
    assert priced.total_cost == Price(D("0.50"), D("0.48"))


def test_max_price_caps_only_the_total_not_the_breakdown() -> None:
    t = tariff(element(component(TIME, "10")), max_price=Price(D("5.00"), None))
    priced = price_session(t, session(START, minutes(60), 4_000), time_zone=AMSTERDAM)
    assert priced.total_cost == Price(D("5.00"), D("12.00"))
    assert priced.total_time_cost == Price(D("10.00"), D("12.00"))


def test_amounts_are_rounded_half_up_to_cents() -> None:
    t = tariff(element(component(ENERGY, "0.25", vat="0")))
    priced = price_session(t, session(START, minutes(60), 500), time_zone=AMSTERDAM)
    assert priced.lines[0].cost.excl_vat == D("0.125")
    assert priced.total_cost.excl_vat == D("0.13")  # half-even would give 0.12


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("EUR", "12.35"), ("JPY", "12"), ("KWD", "12.346"), ("HUF", "12.35"), ("ISK", "12")],
)
def test_amounts_are_rounded_to_the_currency_minor_unit(currency: str, expected: str) -> None:
    assert to_minor_unit(D("12.3456"), currency) == D(expected)


def test_a_yen_tariff_is_priced_in_whole_yen() -> None:
    t = tariff(element(component(ENERGY, "45.5", vat="10")), currency="JPY")
    priced = price_session(t, session(START, minutes(60), 10_000), time_zone=AMSTERDAM)
    assert priced.total_cost == Price(D("455"), D("501"))


@pytest.mark.parametrize("currency", ["EUX", "eur", "XXX", "XAU", ""])
def test_an_unknown_currency_is_rejected(currency: str) -> None:
    with pytest.raises(UnknownCurrencyError):
        tariff(element(component(ENERGY, "0.25")), currency=currency)


def test_the_callers_decimal_context_does_not_change_the_price() -> None:
    t = tariff(element(component(TIME, "1.90", step=300, vat="5.2")))
    usage = session(START, minutes(150), 4_000)
    expected = price_session(t, usage, time_zone=AMSTERDAM)
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 3, ROUND_DOWN
        assert price_session(t, usage, time_zone=AMSTERDAM) == expected
    assert expected.total_cost == Price(D("4.75"), D("5.00"))


def test_lines_keep_full_precision() -> None:
    t = tariff(element(component(TIME, "1.00", vat="20")))
    priced = price_session(t, session(START, minutes(1), 10), time_zone=AMSTERDAM)
    assert priced.lines[0].cost.excl_vat == D(1) / 60
    assert priced.total_cost.excl_vat == D("0.02")
    assert isinstance(priced.total_cost.excl_vat, Decimal)
