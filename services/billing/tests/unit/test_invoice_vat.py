"""VAT of the country where the charging took place: derived from the CDR's own amounts, checked
against the country's standard rate, flagged (never changed) when they disagree; amounts
rounded once, half up, to the minor unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from evroam_billing.domain.countries import default_time_zone, standard_vat_rate
from evroam_billing.domain.documents import money_of, totals, vat_table
from evroam_billing.domain.lines import bill, invoice_line
from evroam_billing.domain.vat import derive_vat, explains
from evroam_contracts.billing import VatPart
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import Price

MakeCdr = Callable[..., Cdr]
CENT = Decimal("0.01")


def price(excl: str, incl: str | None) -> Price:
    return Price(excl_vat=Decimal(excl), incl_vat=None if incl is None else Decimal(incl))


def test_a_cdr_charged_in_belgium_for_a_dutch_contract_carries_belgian_vat(
    driver_cdr: MakeCdr,
) -> None:
    cdr = driver_cdr(country="BEL", city="Gent", cpo=("BE", "BEC"), total="10.00", incl="12.10")

    billed = bill(cdr, "Europe/Brussels")

    assert billed.issuer == "NL*EVR"  # the contract is Dutch ...
    assert (billed.vat.rate, billed.vat.note) == (Decimal(21), None)  # ... the VAT Belgian
    assert billed.vat.parts == (
        VatPart(rate=Decimal(21), excl_vat=Decimal("10.00"), incl_vat=Decimal("12.10")),
    )


def test_the_vat_table_has_a_row_per_country_and_rate_and_adds_up_to_the_totals(
    driver_cdr: MakeCdr,
) -> None:
    lines = [
        invoice_line(bill(driver_cdr("A"), "Europe/Amsterdam"), "INV", "2026-03", 1),
        invoice_line(
            bill(driver_cdr("B", country="BEL", total="10.00", incl="12.10"), "Europe/Brussels"),
            "INV", "2026-03", 2,
        ),
        invoice_line(
            bill(driver_cdr("C", country="DEU", total="20.00", incl="23.80"), "Europe/Berlin"),
            "INV", "2026-03", 3,
        ),
        invoice_line(
            bill(driver_cdr("D", total="1.00", incl="1.21"), "Europe/Amsterdam"),
            "INV", "2026-03", 4,
        ),
    ]  # fmt: skip

    table = vat_table(money_of(lines))
    [eur] = totals(money_of(lines))

    assert [(r.country, r.rate, r.excl_vat, r.vat, r.incl_vat) for r in table] == [
        ("BEL", Decimal(21), Decimal("10.00"), Decimal("2.10"), Decimal("12.10")),
        ("DEU", Decimal(19), Decimal("20.00"), Decimal("3.80"), Decimal("23.80")),
        ("NLD", Decimal(21), Decimal("4.59"), Decimal("0.96"), Decimal("5.55")),
    ]
    assert (eur.excl_vat, eur.vat, eur.incl_vat) == (
        sum(r.excl_vat for r in table),
        sum(r.vat or 0 for r in table),
        Decimal("41.45"),
    )


def test_a_partner_cdr_with_more_decimals_is_rounded_once_half_up_to_the_cent(
    driver_cdr: MakeCdr,
) -> None:
    # OCPI prices are JSON numbers: 2.50 @ 15 % is 2.875 incl. VAT in the specification.
    cdr = driver_cdr(cpo=("BE", "BEC"), country="BEL", total="2.875", incl="3.47875")

    billed = bill(cdr, "Europe/Brussels")

    assert billed.amount == price("2.88", "3.48")
    assert billed.amount.excl_vat.as_tuple().exponent == -2


def test_a_currency_without_cents_rounds_to_its_own_minor_unit(driver_cdr: MakeCdr) -> None:
    cdr = driver_cdr(country="ISL", currency="ISK", total="1234.5", incl="1530.78")

    assert bill(cdr, "Atlantic/Reykjavik").amount == price("1235", "1531")


def test_a_rate_that_is_not_the_countrys_standard_rate_is_flagged_not_changed(
    driver_cdr: MakeCdr,
) -> None:
    cdr = driver_cdr(total="10.00", incl="10.90")  # 9 % in the Netherlands

    billed = bill(cdr, "Europe/Amsterdam")

    assert billed.amount == price("10.00", "10.90")
    assert billed.vat.rate == Decimal(9)
    assert billed.vat.note == "VAT rate 9 % is not the standard rate of NLD, 21 %"


def test_the_cent_rounding_of_the_cdr_is_no_mismatch() -> None:
    # 3.59 x 1.21 = 4.3439: the CDR says 4.34, which implies 20.89 %, and is 21 % all the same.
    vat = derive_vat(price("3.59", "4.34"), [], country="NLD", standard=Decimal(21), unit=CENT)

    assert (vat.rate, vat.note) == (Decimal(21), None)
    assert explains(price("0.01", "0.01"), Decimal(21), CENT)
    assert not explains(price("10.00", "12.00"), Decimal(21), CENT)


def test_cost_dimensions_at_different_rates_split_the_line_and_flag_it() -> None:
    energy, parking = price("8.00", "9.68"), price("2.00", "2.00")

    vat = derive_vat(
        price("10.00", "11.68"), [energy, parking], country="NLD", standard=Decimal(21), unit=CENT
    )

    assert vat.rate is None
    assert vat.parts == (
        VatPart(rate=Decimal(0), excl_vat=Decimal("2.00"), incl_vat=Decimal("2.00")),
        VatPart(rate=Decimal(21), excl_vat=Decimal("8.00"), incl_vat=Decimal("9.68")),
    )
    assert vat.note is not None
    assert "mixed VAT rates" in vat.note
    assert "VAT rate 0 % is not the standard rate of NLD, 21 %" in vat.note


def test_what_the_dimensions_do_not_add_up_to_goes_to_the_largest_part() -> None:
    # A max_price clamped the total below its components: the parts still add up to the line.
    vat = derive_vat(
        price("9.00", "10.68"),
        [price("8.00", "9.68"), price("2.00", "2.00")],
        country="NLD",
        standard=Decimal(21),
        unit=CENT,
    )

    assert sum(p.excl_vat for p in vat.parts) == Decimal("9.00")
    assert sum(p.incl_vat or 0 for p in vat.parts) == Decimal("10.68")


def test_a_cdr_without_an_amount_incl_vat_has_unknown_vat(driver_cdr: MakeCdr) -> None:
    billed = bill(driver_cdr(incl=None), "Europe/Amsterdam")

    assert billed.vat.rate is None
    assert billed.vat.parts == (VatPart(rate=None, excl_vat=Decimal("3.59"), incl_vat=None),)
    assert billed.vat.note == "no amount incl. VAT: VAT unknown"


def test_a_country_without_a_known_standard_rate_is_flagged(driver_cdr: MakeCdr) -> None:
    billed = bill(driver_cdr(country="USA", currency="USD"), "America/New_York")

    assert billed.vat.note == "no standard VAT rate known for USA"


def test_standard_rates_follow_their_changes_in_time() -> None:
    assert standard_vat_rate("NLD", date(2026, 3, 1)) == Decimal(21)
    assert standard_vat_rate("EST", date(2025, 6, 30)) == Decimal(22)
    assert standard_vat_rate("EST", date(2025, 7, 1)) == Decimal(24)
    assert standard_vat_rate("DEU", date(2020, 8, 1)) == Decimal(16)
    assert standard_vat_rate("fin", date(2025, 1, 1)) == Decimal("25.5")
    assert standard_vat_rate("XYZ", date(2026, 1, 1)) is None


def test_a_country_has_a_default_time_zone_by_either_code() -> None:
    assert default_time_zone("BEL") == default_time_zone("BE") == "Europe/Brussels"
    assert default_time_zone("ATA") is None
