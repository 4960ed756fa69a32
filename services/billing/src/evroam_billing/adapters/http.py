"""Invoice lines over HTTP (`GET /invoice-lines`): what the flow tests and `evroam demo` wait
for. Documents (invoices, credit notes) are in invoices_api.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from psycopg_pool import AsyncConnectionPool

from evroam_billing.adapters import invoice_queries as q
from evroam_billing.adapters.invoice_json import line_json


def router(pool: AsyncConnectionPool) -> APIRouter:
    api = APIRouter()

    @api.get("/invoice-lines")
    async def invoice_lines(
        cdr_id: str | None = None,
        contract_id: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        """Lines of a CDR and/or a contract, in the order they were charged."""
        async with pool.connection() as conn:
            rows = await q.lines(conn, cdr_id=cdr_id, contract_id=contract_id, limit=limit)
        return [line_json(r) for r in rows]

    return api
