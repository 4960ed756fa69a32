"""Query API of the session service, in the OCPI 2.2.1 session shape."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_pricing.assignment import SessionScope
from evroam_session.handlers.policies import tariff_in_force

COLUMNS = (
    "session_id AS id, country_code, party_id, status, station_id, location_id, evse_uid,"
    " connector_id, start_date_time, end_date_time, kwh, cdr_token, auth_method,"
    " authorization_reference, currency, tariff_id, tariff_version, charging_periods,"
    " total_cost, invalid_reason, correlation_id, last_updated"
)


def router(pool: AsyncConnectionPool) -> APIRouter:
    api = APIRouter()

    @api.get("/sessions/{session_id}")
    async def session(session_id: str) -> dict[str, Any]:
        rows = await _query(pool, "session_id = %s", [session_id], 1)
        if not rows:
            raise HTTPException(404, f"session {session_id} not found")
        return rows[0]

    @api.get("/sessions")
    async def sessions(
        station_id: str | None = None,
        status: str | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        limit: int = Query(100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        """Live sessions are `status=ACTIVE`; filter by station and a start-time range."""
        where, args = ["true"], []
        for clause, value in (
            ("station_id = %s", station_id),
            ("status = %s", status),
            ("start_date_time >= %s", date_from),
            ("start_date_time < %s", date_to),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        return await _query(pool, " AND ".join(where), args, limit)

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
    pool: AsyncConnectionPool, where: str, args: list[Any], limit: int
) -> list[dict[str, Any]]:
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {COLUMNS} FROM view_sessions_v1 WHERE {where}"
            " ORDER BY start_date_time NULLS LAST, session_id LIMIT %s",
            [*args, limit],
        )
        return await cur.fetchall()
