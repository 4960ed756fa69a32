"""Statement totals and names: exact Decimal sums per currency, to the cent; the open amount
leaves out disputed CDRs and credited CDRs with their credits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evroam_billing.domain.statement_errors import InvalidPartyError
from evroam_billing.domain.statement_totals import (
    LineAmounts,
    StatementTotal,
    state_counts,
    statement_totals,
)
from evroam_billing.domain.statements import Party, StatementRef, parse_parties


def line(
    cdr_id: str,
    state: str,
    excl: str,
    incl: str | None,
    *,
    kwh: str = "1",
    currency: str = "EUR",
    credits: str | None = None,
) -> LineAmounts:
    return LineAmounts(
        cdr_id,
        state,
        currency,
        Decimal(kwh),
        Decimal(excl),
        None if incl is None else Decimal(incl),
        credit=credits is not None,
        credit_reference_id=credits,
    )


def test_totals_are_exact_decimal_sums_per_currency() -> None:
    totals = statement_totals(
        [
            line("A", "SENT", "0.10", "0.12", kwh="0.1"),
            line("B", "ACKNOWLEDGED", "0.20", "0.24", kwh="0.2"),
            line("C", "ISSUED", "10.00", "12.50", currency="SEK"),
        ]
    )

    # With floats 0.1 + 0.2 would be 0.30000000000000004.
    assert totals["EUR"] == StatementTotal(
        "EUR", 2, Decimal("0.3"), Decimal("0.30"), Decimal("0.36"), Decimal("0.30"), Decimal("0.36")
    )
    assert totals["SEK"].open_excl_vat == Decimal("10.00")


def test_the_open_amount_leaves_out_disputed_and_credited_cdrs_and_their_credits() -> None:
    total = statement_totals(
        [
            line("A", "SENT", "3.59", "4.34"),
            line("B", "DISPUTED", "2.00", "2.42"),
            line("C", "CREDITED", "5.00", "6.05"),
            line("C-C", "ACKNOWLEDGED", "-5.00", "-6.05", credits="C"),
            line("C-R", "ISSUED", "4.00", "4.84"),
            # A credit of a CDR on no statement we hold: money the eMSP is owed back.
            line("X-C", "SENT", "-1.00", "-1.21", credits="X"),
        ]
    )["EUR"]

    assert (total.lines, total.excl_vat, total.incl_vat) == (6, Decimal("8.59"), Decimal("10.39"))
    assert (total.open_excl_vat, total.open_incl_vat) == (Decimal("6.59"), Decimal("7.97"))


def test_a_line_without_incl_vat_makes_the_totals_incl_vat_unknown() -> None:
    lines = [line("A", "SENT", "1.00", "1.21"), line("B", "SENT", "2", None)]

    total = statement_totals(lines)["EUR"]

    assert total.excl_vat == Decimal("3.00")
    assert (total.incl_vat, total.open_incl_vat) == (None, None)


def test_totals_are_rounded_once_to_the_cent_half_up() -> None:
    total = statement_totals([line("A", "SENT", "0.005", "0.0125")])["EUR"]

    assert (str(total.excl_vat), str(total.incl_vat)) == ("0.01", "0.01")


def test_every_state_is_counted_zero_included() -> None:
    counts = state_counts([line("A", "SENT", "1", "1"), line("B", "SENT", "1", "1")])

    assert counts == {"ISSUED": 0, "SENT": 2, "ACKNOWLEDGED": 0, "DISPUTED": 0, "CREDITED": 0}


@pytest.mark.parametrize("text", ["NL*ABC", "nl*abc", "NL-ABC", "NLABC", " NL*ABC "])
def test_a_party_is_read_in_every_usual_spelling(text: str) -> None:
    assert Party.parse(text) == Party("NL", "ABC")
    assert str(Party.parse(text)) == "NL*ABC"


@pytest.mark.parametrize("text", ["", "NL", "NL*AB", "N1*ABC", "NL*ABCD", "NL/ABC"])
def test_anything_else_is_not_a_party(text: str) -> None:
    with pytest.raises(InvalidPartyError):
        Party.parse(text)


def test_own_parties_come_comma_separated() -> None:
    assert parse_parties("NL*EVR, be*evr,") == {Party("NL", "EVR"), Party("BE", "EVR")}


def test_a_statement_id_names_its_emsp_and_period() -> None:
    ref = StatementRef(Party("NL", "ABC"), "2026-03")

    assert (ref.statement_id, ref.stream) == ("STM-NL-ABC-2026-03", "statement-NL-ABC-2026-03")
    assert StatementRef.parse(ref.statement_id) == ref
    assert StatementRef.parse("STM-NL-ABC-2026-13") is None
    assert StatementRef.parse("INV-NL-ABC-2026-03") is None
