"""Invoice lines, queryable by invoice, CDR and contract."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class InvoiceLinesV1:
    """Pure: every column comes from the billing.invoice_line_added payload."""

    name = "invoice_lines_v1"
    tables: Sequence[str] = ("view_invoice_lines_v1",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_invoice_lines_v1 (
        invoice_id text NOT NULL, line_no integer NOT NULL, contract_id text NOT NULL,
        billing_period text NOT NULL, cdr_id text NOT NULL, session_id text,
        description text NOT NULL, energy_kwh numeric NOT NULL,
        amount_excl_vat numeric NOT NULL, amount_incl_vat numeric, currency text NOT NULL,
        charged_at timestamptz NOT NULL, PRIMARY KEY (invoice_id, line_no));
    CREATE INDEX IF NOT EXISTS view_invoice_lines_v1_cdr ON view_invoice_lines_v1 (cdr_id);
    CREATE INDEX IF NOT EXISTS view_invoice_lines_v1_contract
        ON view_invoice_lines_v1 (contract_id, billing_period);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "billing.invoice_line_added":
            return
        p = event.payload
        amount = p["amount"]
        await conn.execute(
            "INSERT INTO view_invoice_lines_v1 VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (invoice_id, line_no) DO NOTHING",
            (
                p["invoice_id"],
                p["line_no"],
                p["contract_id"],
                p["billing_period"],
                p["cdr_id"],
                p.get("session_id"),
                p["description"],
                p["energy_kwh"],
                amount["excl_vat"],
                amount.get("incl_vat"),
                p["currency"],
                p["charged_at"],
            ),
        )
