"""Document totals are exact decimal sums per currency, never float; an unknown incl. VAT
makes the total incl. VAT unknown rather than silently short."""

from __future__ import annotations

from decimal import Decimal

from evroam_billing.domain.documents import LineMoney, document_number, totals, vat_table
from evroam_contracts.billing import DocumentTotal, VatPart
from evroam_contracts.shared import Price


def line(currency: str, excl: str, incl: str | None, kwh: str = "1", rate: str = "21") -> LineMoney:
    amount = Price(excl_vat=Decimal(excl), incl_vat=None if incl is None else Decimal(incl))
    part = VatPart(rate=Decimal(rate), excl_vat=amount.excl_vat, incl_vat=amount.incl_vat)
    return LineMoney(currency, Decimal(kwh), amount, "NLD", (part,))


def test_totals_are_exact_decimal_sums_per_currency() -> None:
    eur, sek = totals(
        [
            line("EUR", "0.10", "0.12", "0.1"),
            line("EUR", "0.20", "0.24", "0.2"),
            line("SEK", "10.00", "12.50", rate="25"),
        ]
    )

    # With floats 0.1 + 0.2 would be 0.30000000000000004.
    assert eur == DocumentTotal(
        currency="EUR",
        lines=2,
        energy_kwh=Decimal("0.3"),
        excl_vat=Decimal("0.30"),
        vat=Decimal("0.06"),
        incl_vat=Decimal("0.36"),
    )
    assert (sek.currency, sek.incl_vat) == ("SEK", Decimal("12.50"))


def test_a_line_without_incl_vat_makes_the_total_incl_vat_unknown() -> None:
    [eur] = totals([line("EUR", "1.00", "1.21"), line("EUR", "2.00", None)])

    assert (eur.excl_vat, eur.vat, eur.incl_vat) == (Decimal("3.00"), None, None)


def test_a_credit_line_nets_out_its_original() -> None:
    [eur] = totals([line("EUR", "3.59", "4.34"), line("EUR", "-3.59", "-4.34")])
    [row] = vat_table([line("EUR", "3.59", "4.34"), line("EUR", "-3.59", "-4.34")])

    assert (eur.excl_vat, eur.incl_vat, row.vat) == (Decimal(0), Decimal(0), Decimal(0))


def test_a_line_billed_before_vat_was_derived_counts_at_an_unknown_rate() -> None:
    old = LineMoney("EUR", Decimal(1), Price(excl_vat=Decimal("1.00")), None, ())

    [row] = vat_table([old])

    assert (row.country, row.rate, row.excl_vat, row.incl_vat) == (
        None,
        None,
        Decimal("1.00"),
        None,
    )


def test_document_numbers_carry_the_issuer_the_year_and_the_sequence() -> None:
    assert document_number("NL*EVR", 2026, 1) == "NL-EVR-2026-000001"
    assert document_number("BE*EVR", 2027, 123456) == "BE-EVR-2027-123456"
