"""Invoice totals are exact decimal sums per currency."""

from __future__ import annotations

from decimal import Decimal

from evroam_billing.domain.totals import CurrencyTotal, LineAmount, totals_by_currency


def line(currency: str, excl: str, incl: str | None, kwh: str = "1") -> LineAmount:
    return LineAmount(
        currency, Decimal(excl), None if incl is None else Decimal(incl), Decimal(kwh)
    )


def test_totals_are_exact_decimal_sums_per_currency() -> None:
    totals = totals_by_currency(
        [
            line("EUR", "0.10", "0.12", "0.1"),
            line("EUR", "0.20", "0.24", "0.2"),
            line("SEK", "10.00", "12.50"),
        ]
    )

    # With floats 0.1 + 0.2 would be 0.30000000000000004.
    assert totals["EUR"] == CurrencyTotal(
        "EUR", 2, Decimal("0.30"), Decimal("0.36"), Decimal("0.3")
    )
    assert totals["SEK"] == CurrencyTotal("SEK", 1, Decimal("10.00"), Decimal("12.50"), Decimal(1))


def test_a_line_without_incl_vat_makes_the_total_incl_vat_unknown() -> None:
    totals = totals_by_currency([line("EUR", "1.00", "1.21"), line("EUR", "2.00", None)])

    assert totals["EUR"].excl_vat == Decimal("3.00")
    assert totals["EUR"].incl_vat is None


def test_a_credit_line_nets_out_its_original() -> None:
    totals = totals_by_currency([line("EUR", "3.59", "4.34"), line("EUR", "-3.59", "-4.34")])

    assert (totals["EUR"].excl_vat, totals["EUR"].incl_vat) == (Decimal(0), Decimal(0))
