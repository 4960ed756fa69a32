"""Invoice lines, queryable by invoice, CDR and contract.

V2 (ADR 0021) adds what an invoice shows of a line: where and when the charging took place,
the CPO, its VAT (country, rate, parts, flag), and the notes of late CDRs and credits. V1's
table (view_invoice_lines_v1) is no longer written; a deployment may drop it."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from evroam_eventstore import RecordedEvent

COLUMNS = (
    "invoice_id, line_no, contract_id, billing_period, cdr_id, cpo, session_id, description,"
    " note, energy_kwh, amount_excl_vat, amount_incl_vat, currency, charged_at, started_at,"
    " time_zone, location, country, vat_rate, vat, vat_note, cdr_period, credited_cdr_id, issuer"
)


class InvoiceLinesV2:
    """Pure: every column comes from the billing.invoice_line_added payload."""

    name = "invoice_lines_v2"
    tables: Sequence[str] = ("view_invoice_lines_v2",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_invoice_lines_v2 (
        invoice_id text NOT NULL, line_no integer NOT NULL, contract_id text NOT NULL,
        billing_period text NOT NULL, cdr_id text NOT NULL, cpo text, session_id text,
        description text NOT NULL, note text, energy_kwh numeric NOT NULL,
        amount_excl_vat numeric NOT NULL, amount_incl_vat numeric, currency text NOT NULL,
        charged_at timestamptz NOT NULL, started_at timestamptz, time_zone text,
        location jsonb, country text, vat_rate numeric, vat jsonb NOT NULL, vat_note text,
        cdr_period text, credited_cdr_id text, issuer text,
        PRIMARY KEY (invoice_id, line_no));
    CREATE INDEX IF NOT EXISTS view_invoice_lines_v2_cdr ON view_invoice_lines_v2 (cdr_id);
    CREATE INDEX IF NOT EXISTS view_invoice_lines_v2_contract
        ON view_invoice_lines_v2 (contract_id, billing_period);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "billing.invoice_line_added":
            return
        p = event.payload
        amount = p["amount"]
        values = (
            p["invoice_id"],
            p["line_no"],
            p["contract_id"],
            p["billing_period"],
            p["cdr_id"],
            p.get("cpo"),
            p.get("session_id"),
            p["description"],
            p.get("note"),
            p["energy_kwh"],
            amount["excl_vat"],
            amount.get("incl_vat"),
            p["currency"],
            p["charged_at"],
            p.get("started_at"),
            p.get("time_zone"),
            Jsonb(p["location"]) if "location" in p else None,
            p.get("country"),
            p.get("vat_rate"),
            Jsonb(p.get("vat", [])),
            p.get("vat_note"),
            p.get("cdr_period"),
            p.get("credited_cdr_id"),
            p.get("issuer"),
        )
        await conn.execute(
            f"INSERT INTO view_invoice_lines_v2 ({COLUMNS})"
            f" VALUES ({', '.join(['%s'] * len(values))})"
            " ON CONFLICT (invoice_id, line_no) DO NOTHING",
            values,
        )
