"""Query API of the CDR service: CDRs as OCPI 2.2.1 CDR objects (without the OCPI response
envelope, which the roaming service adds for partners). Money, energy and time are JSON
numbers here, as OCPI spells them; on our own wire they are decimal strings."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool

from evroam_cdr.adapters.ocpi_json import ocpi_cdr
from evroam_contracts.ocpi_json import render_json


def _json(value: object) -> Response:
    return Response(render_json(value), media_type="application/json")


def router(pool: AsyncConnectionPool) -> APIRouter:
    api = APIRouter()

    @api.get("/cdrs/{cdr_id}")
    async def get_cdr(cdr_id: str) -> Response:
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT cdr FROM view_cdrs_v1 WHERE cdr_id = %s", (cdr_id,))
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, f"CDR {cdr_id} not found")
        return _json(ocpi_cdr(row[0]))

    @api.get("/cdrs")
    async def list_cdrs(
        session_id: str | None = None,
        contract_id: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
    ) -> Response:
        """CDRs of a session and/or a contract, oldest first (all CDRs with no filter)."""
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT cdr FROM view_cdrs_v1"
                " WHERE (%(s)s::text IS NULL OR session_id = %(s)s)"
                " AND (%(c)s::text IS NULL OR contract_id = %(c)s)"
                " ORDER BY last_updated, cdr_id LIMIT %(n)s",
                {"s": session_id, "c": contract_id, "n": limit},
            )
            rows = await cur.fetchall()
        return _json([ocpi_cdr(r[0]) for r in rows])

    return api
