"""The statement CSV: RFC 4180, ISO times in UTC, dot decimals, totals rows, and no formula
injection from partner data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from evroam_billing.adapters.statement_csv import BOM, HEADER, statement_csv
from evroam_billing.domain.statement_totals import LineAmounts, statement_totals


def row(cdr_id: str = "CDR-1", **changes: Any) -> dict[str, Any]:
    cest = timezone(timedelta(hours=2))
    return {
        "line_no": 1,
        "cdr_id": cdr_id,
        "session_id": f"S-{cdr_id}",
        "contract_id": "DE8ACC12E46L89",
        "start_date_time": datetime(2026, 4, 1, 10, 0, tzinfo=cest),
        "end_date_time": datetime(2026, 4, 1, 12, 0, 30, tzinfo=UTC),
        "location_id": "LOC-AMS-1",
        "location_address": "Keizersgracht 1, Amsterdam",
        "energy_kwh": Decimal("12.3456"),
        "amount_excl_vat": Decimal("3.59"),
        "amount_incl_vat": Decimal("4.34"),
        "currency": "EUR",
        "credit": False,
        "credit_reference_id": None,
        "state": "SENT",
        "state_reason": None,
    } | changes


def parsed(rows: list[dict[str, Any]]) -> list[list[str]]:
    amounts = [
        LineAmounts(
            r["cdr_id"],
            r["state"],
            r["currency"],
            r["energy_kwh"],
            r["amount_excl_vat"],
            r["amount_incl_vat"],
            r["credit"],
            r["credit_reference_id"],
        )
        for r in rows
    ]
    text = statement_csv(rows, statement_totals(amounts))
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


def test_a_statement_is_a_header_a_row_per_cdr_and_totals_rows() -> None:
    header, line, total, still_open = parsed([row()])

    assert header == list(HEADER)
    assert dict(zip(HEADER, line, strict=True)) == {
        "line_no": "1",
        "cdr_id": "CDR-1",
        "session_id": "S-CDR-1",
        "contract_id": "DE8ACC12E46L89",
        "start_date_time_utc": "2026-04-01T08:00:00Z",
        "end_date_time_utc": "2026-04-01T12:00:30Z",
        "location_id": "LOC-AMS-1",
        "location": "Keizersgracht 1, Amsterdam",
        "energy_kwh": "12.346",
        "amount_excl_vat": "3.59",
        "amount_incl_vat": "4.34",
        "currency": "EUR",
        "credit_reference_id": "",
        "state": "SENT",
        "state_reason": "",
    }
    assert (total[0], total[8:12], total[13]) == (
        "TOTAL",
        ["12.346", "3.59", "4.34", "EUR"],
        "1 CDRs",
    )
    assert (still_open[0], still_open[9:12]) == ("OPEN", ["3.59", "4.34", "EUR"])


def test_rows_end_in_crlf_and_cells_with_commas_quotes_or_newlines_are_quoted() -> None:
    text = statement_csv([row(state_reason='said "no",\nthen yes')], {})

    assert text.count("\r\n") == 2  # header and the row; the newline inside stays quoted
    assert '"said ""no"",\nthen yes"' in text
    assert '"Keizersgracht 1, Amsterdam"' in text


def test_cells_that_would_run_as_formulas_are_escaped_but_negative_amounts_stay_numbers() -> None:
    credit = row(
        "CDR-1-C",
        contract_id='=HYPERLINK("http://evil")',
        state_reason="+1 kWh claimed",
        location_address="@SUM(A1)",
        session_id="-2+3",
        credit_reference_id="\tCDR-1",
        amount_excl_vat=Decimal("-3.59"),
        amount_incl_vat=Decimal("-0.00"),
        energy_kwh=Decimal("-12.345"),
    )

    _, line, *_ = parsed([credit])
    cells = dict(zip(HEADER, line, strict=True))

    assert cells["contract_id"] == '\'=HYPERLINK("http://evil")'
    assert cells["state_reason"] == "'+1 kWh claimed"
    assert cells["location"] == "'@SUM(A1)"
    assert cells["session_id"] == "'-2+3"
    assert cells["credit_reference_id"] == "'\tCDR-1"
    assert (cells["amount_excl_vat"], cells["amount_incl_vat"]) == ("-3.59", "0.00")
    assert cells["energy_kwh"] == "-12.345"


def test_an_unknown_vat_is_an_empty_cell_and_each_currency_has_its_totals() -> None:
    rows = [row(amount_incl_vat=None), row("CDR-2", currency="CHF", amount_excl_vat=Decimal(2))]

    _, eur_line, _, chf_total, _, eur_total, _ = parsed(rows)

    assert eur_line[10] == ""
    assert (chf_total[0], chf_total[9], chf_total[11]) == ("TOTAL", "2.00", "CHF")
    assert (eur_total[0], eur_total[9], eur_total[10], eur_total[11]) == (
        "TOTAL",
        "3.59",
        "",
        "EUR",
    )
