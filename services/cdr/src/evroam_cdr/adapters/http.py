"""Query API of the CDR service: CDRs as OCPI 2.2.1 CDR objects (without the OCPI response
envelope, which the roaming service adds for partners). Money, energy and time are JSON
numbers here, as OCPI spells them; on our own wire they are decimal strings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool

from evroam_cdr.adapters.ocpi_json import ocpi_cdr
from evroam_contracts.ocpi_json import render_json


def json_response(
    value: object, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        render_json(value), status_code=status_code, media_type="application/json", headers=headers
    )


def router(pool: AsyncConnectionPool) -> APIRouter:
    api = APIRouter()

    @api.get("/cdrs/{cdr_id}")
    async def get_cdr(cdr_id: str) -> Response:
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT cdr FROM view_cdrs_v2 WHERE cdr_id = %s", (cdr_id,))
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, f"CDR {cdr_id} not found")
        return json_response(ocpi_cdr(row[0]))

    @api.get("/cdrs")
    async def list_cdrs(
        session_id: str | None = None,
        contract_id: str | None = None,
        credit: Annotated[bool | None, Query(description="only credit CDRs, or none")] = None,
        date_from: Annotated[datetime | None, Query(description="OCPI: last_updated >=")] = None,
        date_to: Annotated[datetime | None, Query(description="OCPI: last_updated <")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        """Issued CDRs (credits included), oldest first; X-Total-Count says how many match."""
        where, args = _filters(session_id, contract_id, credit, date_from, date_to)
        async with pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT cdr, count(*) OVER () FROM view_cdrs_v2 WHERE {where}"
                " ORDER BY last_updated, cdr_id OFFSET %s LIMIT %s",
                [*args, offset, limit],
            )
            rows = await cur.fetchall()
        total = rows[0][1] if rows else 0
        headers = {"X-Total-Count": str(total), "X-Limit": str(limit)}
        return json_response([ocpi_cdr(r[0]) for r in rows], headers=headers)

    return api


def _filters(
    session_id: str | None,
    contract_id: str | None,
    credit: bool | None,
    date_from: datetime | None,
    date_to: datetime | None,
) -> tuple[str, list[Any]]:
    """The WHERE clause of the set filters (fixed column names; values as parameters)."""
    where, args = ["true"], []
    for clause, value in (
        ("session_id = %s", session_id),
        ("contract_id = %s", contract_id),
        ("credit = %s", credit),
        ("last_updated >= %s", date_from),
        ("last_updated < %s", date_to),
    ):
        if value is not None:
            where.append(clause)
            args.append(value)
    return " AND ".join(where), args
