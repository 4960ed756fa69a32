"""Settlement statement lines with each CDR's reconciliation state, and the history of those
states, queryable by statement, eMSP party and period."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent

_LINE_COLUMNS = (
    "statement_id, line_no, emsp_country_code, emsp_party_id, period, cdr_id, session_id,"
    " contract_id, start_date_time, end_date_time, location_id, location_address, energy_kwh,"
    " amount_excl_vat, amount_incl_vat, currency, credit, credit_reference_id, issued_at,"
    " state, state_changed_at"
)


class StatementLinesV1:
    """Pure: every column comes from the billing.statement_* payloads (and the stream
    version of the change), so a rebuild from the log equals the live tables."""

    name = "statement_lines_v1"
    tables: Sequence[str] = ("view_statement_lines_v1", "view_statement_line_history_v1")
    ddl = """
    CREATE TABLE IF NOT EXISTS view_statement_lines_v1 (
        statement_id text NOT NULL, line_no integer NOT NULL,
        emsp_country_code text NOT NULL, emsp_party_id text NOT NULL, period text NOT NULL,
        cdr_id text NOT NULL, session_id text, contract_id text NOT NULL,
        start_date_time timestamptz NOT NULL, end_date_time timestamptz NOT NULL,
        location_id text NOT NULL, location_address text NOT NULL,
        energy_kwh numeric NOT NULL, amount_excl_vat numeric NOT NULL, amount_incl_vat numeric,
        currency text NOT NULL, credit boolean NOT NULL, credit_reference_id text,
        issued_at timestamptz NOT NULL,
        state text NOT NULL, state_reason text, state_changed_at timestamptz NOT NULL,
        sent_to text, credited_by text,
        PRIMARY KEY (statement_id, cdr_id));
    CREATE INDEX IF NOT EXISTS view_statement_lines_v1_emsp
        ON view_statement_lines_v1 (emsp_country_code, emsp_party_id, period);
    CREATE INDEX IF NOT EXISTS view_statement_lines_v1_period
        ON view_statement_lines_v1 (period);
    CREATE TABLE IF NOT EXISTS view_statement_line_history_v1 (
        statement_id text NOT NULL, stream_version integer NOT NULL, cdr_id text NOT NULL,
        previous_state text NOT NULL, state text NOT NULL, reason text, partner_id text,
        credit_cdr_id text, changed_at timestamptz NOT NULL,
        PRIMARY KEY (statement_id, stream_version));
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type == "billing.statement_line_added":
            await self._line_added(conn, event.payload)
        elif event.type == "billing.statement_cdr_state_changed":
            await self._state_changed(conn, event.payload, event.stream_version)

    async def _line_added(self, conn: AsyncConnection, p: Mapping[str, Any]) -> None:
        amount = p["amount"]
        await conn.execute(
            f"INSERT INTO view_statement_lines_v1 ({_LINE_COLUMNS})"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'ISSUED',%s)"
            " ON CONFLICT (statement_id, cdr_id) DO NOTHING",
            (
                p["statement_id"],
                p["line_no"],
                p["emsp_country_code"],
                p["emsp_party_id"],
                p["period"],
                p["cdr_id"],
                p.get("session_id"),
                p["contract_id"],
                p["start_date_time"],
                p["end_date_time"],
                p["location_id"],
                p["location_address"],
                p["energy_kwh"],
                amount["excl_vat"],
                amount.get("incl_vat"),
                p["currency"],
                p.get("credit", False),
                p.get("credit_reference_id"),
                p["issued_at"],
                p["issued_at"],
            ),
        )

    async def _state_changed(
        self, conn: AsyncConnection, p: Mapping[str, Any], stream_version: int
    ) -> None:
        # The line shows the last change's reason (a dispute's, or the note of its
        # resolution); the history keeps every one.
        await conn.execute(
            "UPDATE view_statement_lines_v1 SET state = %(state)s, state_reason = %(reason)s,"
            " state_changed_at = %(at)s, sent_to = coalesce(%(partner)s, sent_to),"
            " credited_by = coalesce(%(credit)s, credited_by)"
            " WHERE statement_id = %(statement)s AND cdr_id = %(cdr)s",
            {
                "state": p["state"],
                "reason": p.get("reason"),
                "at": p["changed_at"],
                "partner": p.get("partner_id"),
                "credit": p.get("credit_cdr_id"),
                "statement": p["statement_id"],
                "cdr": p["cdr_id"],
            },
        )
        await conn.execute(
            "INSERT INTO view_statement_line_history_v1 VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (statement_id, stream_version) DO NOTHING",
            (
                p["statement_id"],
                stream_version,
                p["cdr_id"],
                p["previous_state"],
                p["state"],
                p.get("reason"),
                p.get("partner_id"),
                p.get("credit_cdr_id"),
                p["changed_at"],
            ),
        )
