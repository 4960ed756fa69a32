"""Read-model queries of driver invoices and credit notes (projections InvoiceLinesV2 and
InvoicesV1). Rows come back as dicts; invoice_json.py turns them into documents."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from evroam_billing.projections.invoice_lines import COLUMNS as LINE_COLUMNS

Row = dict[str, Any]


async def _all(conn: AsyncConnection, query: str, params: Any) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return list(await cur.fetchall())


async def _one(conn: AsyncConnection, query: str, params: Any) -> Row | None:
    rows = await _all(conn, query, params)
    return rows[0] if rows else None


async def invoices(
    conn: AsyncConnection,
    *,
    contract_id: str | None,
    period: str | None,
    status: str | None,
    limit: int,
) -> list[Row]:
    return await _all(
        conn,
        "SELECT * FROM view_invoices_v1"
        " WHERE (%(c)s::text IS NULL OR contract_id = %(c)s)"
        " AND (%(p)s::text IS NULL OR billing_period = %(p)s)"
        " AND (%(s)s::text IS NULL OR status = %(s)s)"
        " ORDER BY billing_period, contract_id, opened_at, invoice_id LIMIT %(n)s",
        {"c": contract_id, "p": period, "s": status, "n": limit},
    )


async def invoice(conn: AsyncConnection, invoice_id: str) -> Row | None:
    return await _one(conn, "SELECT * FROM view_invoices_v1 WHERE invoice_id = %s", (invoice_id,))


async def lines_of_invoice(conn: AsyncConnection, invoice_id: str) -> list[Row]:
    return await _all(
        conn,
        f"SELECT {LINE_COLUMNS} FROM view_invoice_lines_v2 WHERE invoice_id = %s ORDER BY line_no",
        (invoice_id,),
    )


async def lines(
    conn: AsyncConnection, *, cdr_id: str | None, contract_id: str | None, limit: int
) -> list[Row]:
    return await _all(
        conn,
        f"SELECT {LINE_COLUMNS} FROM view_invoice_lines_v2"
        " WHERE (%(cdr)s::text IS NULL OR cdr_id = %(cdr)s)"
        " AND (%(c)s::text IS NULL OR contract_id = %(c)s)"
        " ORDER BY charged_at, invoice_id, line_no LIMIT %(n)s",
        {"cdr": cdr_id, "c": contract_id, "n": limit},
    )


async def credit_notes(
    conn: AsyncConnection, *, contract_id: str | None, invoice_id: str | None, limit: int
) -> list[Row]:
    return await _all(
        conn,
        "SELECT * FROM view_credit_notes_v1"
        " WHERE (%(c)s::text IS NULL OR contract_id = %(c)s)"
        " AND (%(i)s::text IS NULL OR invoice_id = %(i)s)"
        " ORDER BY issued_at, sequence, credit_note_id LIMIT %(n)s",
        {"c": contract_id, "i": invoice_id, "n": limit},
    )


async def credit_note(conn: AsyncConnection, credit_note_id: str) -> Row | None:
    return await _one(
        conn, "SELECT * FROM view_credit_notes_v1 WHERE credit_note_id = %s", (credit_note_id,)
    )
