"""Driver invoices and credit notes as JSON documents. Money and energy are decimal strings
(exact, as on our wire); every sum is a Decimal sum from the domain (documents.py), so the
JSON, the HTML and the billing.invoice_issued event show the same figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from evroam_billing.domain.documents import LineMoney, totals, vat_table
from evroam_contracts.billing import CreditNoteLine, DocumentTotal, VatPart, VatSubtotal
from evroam_contracts.shared import Price

Row = Mapping[str, Any]


def utc(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _compact(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None}


def line_json(row: Row) -> dict[str, Any]:
    amount = _compact(
        {"excl_vat": str(row["amount_excl_vat"]), "incl_vat": _text(row["amount_incl_vat"])}
    )
    return _compact(
        {
            "invoice_id": row["invoice_id"],
            "line_no": row["line_no"],
            "contract_id": row["contract_id"],
            "billing_period": row["billing_period"],
            "cdr_id": row["cdr_id"],
            "cpo": row["cpo"],
            "session_id": row["session_id"],
            "description": row["description"],
            "note": row["note"],
            "energy_kwh": str(row["energy_kwh"]),
            "amount": amount,
            "currency": row["currency"],
            "started_at": utc(row["started_at"]),
            "charged_at": utc(row["charged_at"]),
            "time_zone": row["time_zone"],
            "location": row["location"],
            "country": row["country"],
            "vat_rate": _text(row["vat_rate"]),
            "vat": row["vat"],
            "vat_note": row["vat_note"],
            "cdr_period": row["cdr_period"],
            "credited_cdr_id": row["credited_cdr_id"],
            "issuer": row["issuer"],
        }
    )


def _money(row: Row) -> LineMoney:
    incl = row["amount_incl_vat"]
    return LineMoney(
        currency=row["currency"],
        energy_kwh=Decimal(row["energy_kwh"]),
        amount=Price(excl_vat=Decimal(row["amount_excl_vat"]), incl_vat=incl),
        country=row["country"],
        vat=tuple(VatPart.model_validate(p) for p in row["vat"] or ()),
    )


def totals_json(items: Iterable[DocumentTotal]) -> dict[str, Any]:
    return {
        t.currency: t.model_dump(mode="json", exclude_none=True, exclude={"currency"})
        for t in items
    }


def vat_json(rows: Iterable[VatSubtotal]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json", exclude_none=True) for r in rows]


def invoice_summary(header: Row) -> dict[str, Any]:
    return _compact(
        {
            "invoice_id": header["invoice_id"],
            "number": header["number"],
            "status": header["status"],
            "issuer": header["issuer"],
            "contract_id": header["contract_id"],
            "billing_period": header["billing_period"],
            "mode": header["mode"],
            "lines": header["lines"],
            "opened_at": utc(header["opened_at"]),
            "issued_at": utc(header["issued_at"]),
            "issue_date": _day(header["issue_date"]),
        }
    )


def invoice_json(
    header: Row, line_rows: Sequence[Row], notes: Sequence[Row] = ()
) -> dict[str, Any]:
    """An issued invoice shows the totals and VAT table its issue recorded; an open one adds
    them up from its lines, with the same function."""
    if header["totals"] is not None:
        doc_totals = [DocumentTotal.model_validate(t) for t in header["totals"]]
        doc_vat = [VatSubtotal.model_validate(v) for v in header["vat"]]
    else:
        money = [_money(r) for r in line_rows]
        doc_totals, doc_vat = list(totals(money)), list(vat_table(money))
    return {
        **invoice_summary(header),
        "lines": [line_json(r) for r in line_rows],
        "vat": vat_json(doc_vat),
        "totals": totals_json(doc_totals),
        "credit_notes": [
            {"credit_note_id": n["credit_note_id"], "number": n["number"]} for n in notes
        ],
    }


def credit_note_json(row: Row) -> dict[str, Any]:
    lines = [CreditNoteLine.model_validate(line) for line in row["lines"]]
    return {
        "credit_note_id": row["credit_note_id"],
        "number": row["number"],
        "status": "ISSUED",
        "issuer": row["issuer"],
        "contract_id": row["contract_id"],
        "invoice_id": row["invoice_id"],
        "invoice_number": row["invoice_number"],
        "billing_period": row["billing_period"],
        "issued_at": utc(row["issued_at"]),
        "issue_date": _day(row["issue_date"]),
        "lines": [line.model_dump(mode="json", exclude_none=True) for line in lines],
        "vat": vat_json(VatSubtotal.model_validate(v) for v in row["vat"]),
        "totals": totals_json(DocumentTotal.model_validate(t) for t in row["totals"]),
    }
