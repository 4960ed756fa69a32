"""Query API of the session service: sessions in the OCPI 2.2.1 Session shape (exact JSON
numbers, UTC DateTimes), each with evroam's own fields beside the OCPI ones (station and
transaction ids, the locked tariff, parking time, warnings, why it is invalid, how many
corrections it had, the correlation id that ties its events together)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ocpi_json import render_json
from evroam_pricing.assignment import SessionScope
from evroam_session.handlers.tariffs import tariff_in_force

COLUMNS = (
    "country_code, party_id, session_id AS id, start_date_time, end_date_time, kwh, cdr_token,"
    " auth_method, authorization_reference, location_id, evse_uid, connector_id, currency,"
    " charging_periods, total_cost, status, last_updated, station_id, transaction_id,"
    " tariff_id, tariff_version, total_parking_time_h, warnings, invalid_reason, revision,"
    " correlation_id"
)
Status = Literal["PENDING", "ACTIVE", "COMPLETED", "INVALID", "RESERVATION"]


def _price(price: dict[str, str] | None) -> dict[str, Decimal] | None:
    return None if price is None else {k: Decimal(v) for k, v in price.items() if v is not None}


def ocpi_session(row: dict[str, Any]) -> dict[str, Any]:
    """The projection keeps amounts and volumes as the events' decimal strings; OCPI wants
    exact numbers."""
    periods = [
        {
            **p,
            "dimensions": [{**d, "volume": Decimal(d["volume"])} for d in p["dimensions"]],
        }
        for p in row["charging_periods"]
    ]
    return {**row, "charging_periods": periods, "total_cost": _price(row["total_cost"])}


def _json(body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(render_json(body), media_type="application/json", headers=headers)


def router(pool: AsyncConnectionPool) -> APIRouter:
    api = APIRouter()

    @api.get("/sessions/{session_id}")
    async def session(session_id: str) -> Response:
        rows, _ = await _query(pool, "session_id = %s", [session_id], 0, 1)
        if not rows:
            raise HTTPException(404, f"session {session_id} not found")
        return _json(rows[0])

    @api.get("/sessions")
    async def sessions(
        status: Annotated[Status | None, Query(description="ACTIVE: the live ones")] = None,
        station_id: str | None = None,
        token_uid: Annotated[str | None, Query(description="its cdr_token's uid")] = None,
        started_from: Annotated[datetime | None, Query(description="started at/after")] = None,
        started_to: Annotated[datetime | None, Query(description="started before")] = None,
        date_from: Annotated[datetime | None, Query(description="OCPI: last_updated")] = None,
        date_to: Annotated[datetime | None, Query(description="OCPI: last_updated <")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        """Sessions by status, station, token and time; X-Total-Count says how many match."""
        where, args = ["true"], []
        for clause, value in (
            ("status = %s", status),
            ("station_id = %s", station_id),
            ("token_uid = %s", token_uid),
            ("start_date_time >= %s", started_from),
            ("start_date_time < %s", started_to),
            ("last_updated >= %s", date_from),
            ("last_updated < %s", date_to),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        rows, total = await _query(pool, " AND ".join(where), args, offset, limit)
        return _json(rows, {"X-Total-Count": str(total), "X-Limit": str(limit)})

    @api.get("/locations/{location_id}/tariff")
    async def location_tariff(
        location_id: str,
        evse_uid: str | None = None,
        connector_id: str | None = None,
        emsp_country_code: str | None = None,
        emsp_party_id: str | None = None,
        tariff_type: str = "REGULAR",
    ) -> dict[str, Any]:
        """The tariff version a session starting now in this scope would lock."""
        emsp = (
            (emsp_country_code.upper(), emsp_party_id.upper())
            if (emsp_country_code and emsp_party_id)
            else None
        )
        scope = SessionScope(location_id, evse_uid, connector_id, tariff_type, emsp)
        async with pool.connection() as conn:
            lock = await tariff_in_force(conn, scope, datetime.now(UTC))
        if lock is None:
            raise HTTPException(404, f"no tariff assigned to location {location_id}")
        return lock.model_dump(mode="json")

    return api


async def _query(
    pool: AsyncConnectionPool, where: str, args: list[Any], offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {COLUMNS}, count(*) OVER () AS total FROM view_sessions_v2 WHERE {where}"
            " ORDER BY start_date_time NULLS LAST, session_id OFFSET %s LIMIT %s",
            [*args, offset, limit],
        )
        rows = await cur.fetchall()
    total = rows[0].pop("total") if rows else 0
    for r in rows[1:]:
        r.pop("total")
    return [ocpi_session(r) for r in rows], total
