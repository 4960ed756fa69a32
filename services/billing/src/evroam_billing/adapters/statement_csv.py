"""A settlement statement as CSV for a settlement clerk's spreadsheet: RFC 4180 (comma,
double quotes doubled, CRLF), UTF-8 with a byte order mark (so a spreadsheet does not read
an address as Latin-1), ISO 8601 times in UTC, amounts with a dot and 2 decimals, energy
with 3, and per currency a TOTAL row and an OPEN row (what is not disputed or credited).

Text cells can carry partner data (contract ids, dispute reasons); one starting with = + - @
or a tab or carriage return would run as a formula, so it is prefixed with a quote (OWASP,
CSV injection). Numbers are ours and never escaped: -3.59 stays a number."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evroam_billing.domain.statement_totals import StatementTotal, to_cent

HEADER = (
    "line_no",
    "cdr_id",
    "session_id",
    "contract_id",
    "start_date_time_utc",
    "end_date_time_utc",
    "location_id",
    "location",
    "energy_kwh",
    "amount_excl_vat",
    "amount_incl_vat",
    "currency",
    "credit_reference_id",
    "state",
    "state_reason",
)
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_KWH = Decimal("0.001")


def text(value: object) -> str:
    cell = "" if value is None else str(value)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""  # VAT unknown (OCPI): an empty cell, not a guess
    return f"{to_cent(amount) + 0:.2f}"  # + 0 turns -0.00 into 0.00


def energy(kwh: Decimal | None) -> str:
    return "" if kwh is None else f"{kwh.quantize(_KWH, rounding=ROUND_HALF_UP) + 0:.3f}"


def utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def line_row(row: Mapping[str, Any]) -> list[str]:
    return [
        str(row["line_no"]),
        *(text(row[k]) for k in ("cdr_id", "session_id", "contract_id")),
        utc(row["start_date_time"]),
        utc(row["end_date_time"]),
        text(row["location_id"]),
        text(row["location_address"]),
        energy(row["energy_kwh"]),
        money(row["amount_excl_vat"]),
        money(row["amount_incl_vat"]),
        *(text(row[k]) for k in ("currency", "credit_reference_id", "state", "state_reason")),
    ]


def _row(**cells: str) -> list[str]:
    return [cells.get(column, "") for column in HEADER]


def total_rows(total: StatementTotal) -> list[list[str]]:
    currency = text(total.currency)
    return [
        _row(
            line_no="TOTAL",
            energy_kwh=energy(total.energy_kwh),
            amount_excl_vat=money(total.excl_vat),
            amount_incl_vat=money(total.incl_vat),
            currency=currency,
            state=f"{total.lines} CDRs",
        ),
        _row(
            line_no="OPEN",
            amount_excl_vat=money(total.open_excl_vat),
            amount_incl_vat=money(total.open_incl_vat),
            currency=currency,
            state_reason="excluding disputed and credited CDRs",
        ),
    ]


def statement_csv(lines: Sequence[Mapping[str, Any]], totals: Mapping[str, StatementTotal]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    writer.writerows(line_row(row) for row in lines)
    for currency in sorted(totals):
        writer.writerows(total_rows(totals[currency]))
    return BOM + out.getvalue()
