"""Query API of the billing service. Money and energy are decimal strings here (exact, as on
our wire), and every sum is a Decimal sum."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_billing.domain.totals import CurrencyTotal, LineAmount, totals_by_currency

_COLUMNS = (
    "invoice_id, line_no, contract_id, billing_period, cdr_id, session_id, description,"
    " energy_kwh, amount_excl_vat, amount_incl_vat, currency, charged_at"
)


def line_json(row: Mapping[str, Any]) -> dict[str, Any]:
    amount = {"excl_vat": str(row["amount_excl_vat"])}
    if row["amount_incl_vat"] is not None:
        amount["incl_vat"] = str(row["amount_incl_vat"])
    return {
        "invoice_id": row["invoice_id"],
        "line_no": row["line_no"],
        "contract_id": row["contract_id"],
        "billing_period": row["billing_period"],
        "cdr_id": row["cdr_id"],
        "session_id": row["session_id"],
        "description": row["description"],
        "energy_kwh": str(row["energy_kwh"]),
        "amount": amount,
        "currency": row["currency"],
        "charged_at": row["charged_at"].astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


def total_json(total: CurrencyTotal) -> dict[str, Any]:
    out = {
        "lines": total.lines,
        "excl_vat": str(total.excl_vat),
        "energy_kwh": str(total.energy_kwh),
    }
    return out | ({} if total.incl_vat is None else {"incl_vat": str(total.incl_vat)})


def invoice_json(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals = totals_by_currency(
        LineAmount(
            r["currency"],
            Decimal(r["amount_excl_vat"]),
            None if r["amount_incl_vat"] is None else Decimal(r["amount_incl_vat"]),
            Decimal(r["energy_kwh"]),
        )
        for r in rows
    )
    return {
        "invoice_id": rows[0]["invoice_id"],
        "contract_id": rows[0]["contract_id"],
        "billing_period": rows[0]["billing_period"],
        "lines": [line_json(r) for r in rows],
        "totals": {currency: total_json(t) for currency, t in sorted(totals.items())},
    }


def router(pool: AsyncConnectionPool) -> APIRouter:
    api = APIRouter()

    @api.get("/invoices/{invoice_id}")
    async def get_invoice(invoice_id: str) -> dict[str, Any]:
        """The lines of an invoice and its totals per currency."""
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT {_COLUMNS} FROM view_invoice_lines_v1 WHERE invoice_id = %s"
                " ORDER BY line_no",
                (invoice_id,),
            )
            rows = await cur.fetchall()
        if not rows:
            raise HTTPException(404, f"invoice {invoice_id} not found")
        return invoice_json(rows)

    @api.get("/invoice-lines")
    async def invoice_lines(
        cdr_id: str | None = None,
        contract_id: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        """Lines of a CDR and/or a contract, in the order they were charged."""
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT {_COLUMNS} FROM view_invoice_lines_v1"
                " WHERE (%(cdr)s::text IS NULL OR cdr_id = %(cdr)s)"
                " AND (%(c)s::text IS NULL OR contract_id = %(c)s)"
                " ORDER BY charged_at, invoice_id, line_no LIMIT %(n)s",
                {"cdr": cdr_id, "c": contract_id, "n": limit},
            )
            rows = await cur.fetchall()
        return [line_json(r) for r in rows]

    return api
