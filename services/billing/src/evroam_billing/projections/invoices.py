"""Invoices and credit notes as documents: status, number, dates, totals and VAT table.

Pure: every column comes from billing events. The totals and VAT table of an issued invoice
are those its billing.invoice_issued event recorded; an open invoice has none yet (the API
adds them up from its lines, with the same domain function the issue used)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from evroam_eventstore import RecordedEvent


class InvoicesV1:
    name = "invoices_v1"
    tables: Sequence[str] = ("view_invoices_v1", "view_credit_notes_v1")
    ddl = """
    CREATE TABLE IF NOT EXISTS view_invoices_v1 (
        invoice_id text PRIMARY KEY, contract_id text NOT NULL, issuer text NOT NULL,
        billing_period text NOT NULL, mode text NOT NULL, status text NOT NULL,
        opened_at timestamptz NOT NULL, lines integer NOT NULL, last_line_no integer NOT NULL,
        number text UNIQUE, sequence integer, issued_at timestamptz, issue_date date,
        totals jsonb, vat jsonb);
    CREATE INDEX IF NOT EXISTS view_invoices_v1_contract
        ON view_invoices_v1 (contract_id, billing_period);
    CREATE INDEX IF NOT EXISTS view_invoices_v1_period ON view_invoices_v1 (billing_period);
    CREATE TABLE IF NOT EXISTS view_credit_notes_v1 (
        credit_note_id text PRIMARY KEY, number text NOT NULL UNIQUE,
        sequence integer NOT NULL, contract_id text NOT NULL, issuer text NOT NULL,
        invoice_id text NOT NULL, invoice_number text NOT NULL, billing_period text NOT NULL,
        issued_at timestamptz NOT NULL, issue_date date NOT NULL,
        lines jsonb NOT NULL, totals jsonb NOT NULL, vat jsonb NOT NULL);
    CREATE INDEX IF NOT EXISTS view_credit_notes_v1_contract
        ON view_credit_notes_v1 (contract_id);
    CREATE INDEX IF NOT EXISTS view_credit_notes_v1_invoice
        ON view_credit_notes_v1 (invoice_id);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type == "billing.invoice_opened":
            await conn.execute(
                "INSERT INTO view_invoices_v1 (invoice_id, contract_id, issuer, billing_period,"
                " mode, status, opened_at, lines, last_line_no)"
                " VALUES (%s, %s, %s, %s, %s, 'OPEN', %s, 0, 0) ON CONFLICT DO NOTHING",
                (p["invoice_id"], p["contract_id"], p["issuer"], p["billing_period"],
                 p["mode"], p["opened_at"]),
            )  # fmt: skip
        elif event.type == "billing.invoice_line_added":
            await _line_added(conn, p)
        elif event.type == "billing.invoice_issued":
            await conn.execute(
                "UPDATE view_invoices_v1 SET status = 'ISSUED', number = %s, sequence = %s,"
                " issued_at = %s, issue_date = %s, totals = %s, vat = %s WHERE invoice_id = %s",
                (p["number"], p["sequence"], p["issued_at"], p["issue_date"],
                 Jsonb(p["totals"]), Jsonb(p["vat"]), p["invoice_id"]),
            )  # fmt: skip
        elif event.type == "billing.credit_note_issued":
            await _credit_note(conn, p)


async def _line_added(conn: AsyncConnection, p: Mapping[str, Any]) -> None:
    # A line from before billing.invoice_opened existed implies its (monthly, open) invoice.
    await conn.execute(
        "INSERT INTO view_invoices_v1 AS v (invoice_id, contract_id, issuer, billing_period,"
        " mode, status, opened_at, lines, last_line_no)"
        " VALUES (%s, %s, %s, %s, 'monthly', 'OPEN', %s, 1, %s)"
        " ON CONFLICT (invoice_id) DO UPDATE"
        " SET lines = v.lines + 1, last_line_no = greatest(v.last_line_no, excluded.last_line_no)",
        (p["invoice_id"], p["contract_id"], p.get("issuer") or "", p["billing_period"],
         p["charged_at"], p["line_no"]),
    )  # fmt: skip


async def _credit_note(conn: AsyncConnection, p: Mapping[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO view_credit_notes_v1 VALUES"
        " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (p["credit_note_id"], p["number"], p["sequence"], p["contract_id"], p["issuer"],
         p["invoice_id"], p["invoice_number"], p["billing_period"], p["issued_at"],
         p["issue_date"], Jsonb(p["lines"]), Jsonb(p["totals"]), Jsonb(p["vat"])),
    )  # fmt: skip
