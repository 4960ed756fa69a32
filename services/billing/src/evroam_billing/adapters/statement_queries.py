"""Reads of the statement lines view (projection statement_lines_v1)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from evroam_billing.domain.statement_totals import LineAmounts
from evroam_billing.domain.statements import Party

LINE_COLUMNS = (
    "statement_id, line_no, emsp_country_code, emsp_party_id, period, cdr_id, session_id,"
    " contract_id, start_date_time, end_date_time, location_id, location_address, energy_kwh,"
    " amount_excl_vat, amount_incl_vat, currency, credit, credit_reference_id, issued_at,"
    " state, state_reason, state_changed_at, sent_to, credited_by"
)
Row = dict[str, Any]


async def _rows(conn: AsyncConnection, query: str, params: Any) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


async def lines_of(conn: AsyncConnection, statement_ids: list[str]) -> list[Row]:
    """The lines of these statements, each statement's in line order."""
    return await _rows(
        conn,
        f"SELECT {LINE_COLUMNS} FROM view_statement_lines_v1"
        " WHERE statement_id = ANY(%s) ORDER BY statement_id, line_no",
        (statement_ids,),
    )


async def lines_of_cdr(conn: AsyncConnection, cdr_id: str) -> list[Row]:
    """The statement lines of one CDR (a credit CDR's own line included)."""
    return await _rows(
        conn,
        f"SELECT {LINE_COLUMNS} FROM view_statement_lines_v1 WHERE cdr_id = %s"
        " ORDER BY statement_id, line_no",
        (cdr_id,),
    )


async def history_of(conn: AsyncConnection, statement_id: str) -> list[Row]:
    return await _rows(
        conn,
        "SELECT cdr_id, previous_state, state, reason, partner_id, credit_cdr_id,"
        " changed_at FROM view_statement_line_history_v1 WHERE statement_id = %s"
        " ORDER BY stream_version",
        (statement_id,),
    )


async def statement_ids(
    conn: AsyncConnection, emsp: Party | None, period: str | None, offset: int, limit: int
) -> tuple[list[str], int]:
    """One page of the statements that have lines, newest period first, and how many in all."""
    cur = await conn.execute(
        "SELECT statement_id, count(*) OVER () FROM view_statement_lines_v1"
        " WHERE (%(cc)s::text IS NULL OR (emsp_country_code = %(cc)s AND emsp_party_id = %(p)s))"
        " AND (%(period)s::text IS NULL OR period = %(period)s)"
        " GROUP BY statement_id, period ORDER BY period DESC, statement_id"
        " OFFSET %(o)s LIMIT %(n)s",
        {
            "cc": emsp.country_code if emsp else None,
            "p": emsp.party_id if emsp else None,
            "period": period,
            "o": offset,
            "n": limit,
        },
    )
    rows = await cur.fetchall()
    return [str(r[0]) for r in rows], int(rows[0][1]) if rows else 0


def amounts(row: Row) -> LineAmounts:
    return LineAmounts(
        cdr_id=row["cdr_id"],
        state=row["state"],
        currency=row["currency"],
        energy_kwh=row["energy_kwh"],
        excl_vat=row["amount_excl_vat"],
        incl_vat=row["amount_incl_vat"],
        credit=row["credit"],
        credit_reference_id=row["credit_reference_id"],
    )
