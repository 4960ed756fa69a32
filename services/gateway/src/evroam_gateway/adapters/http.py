"""Admin API of the station and location registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.gateway import LocationRegistered, StationRegistered
from evroam_gateway.domain.registry import (
    DuplicateConnectorError,
    UnknownLocationError,
    UnknownTimeZoneError,
)
from evroam_gateway.handlers.commands import handle_register_location, handle_register_station
from evroam_runtime import require_admin


def router(pool: AsyncConnectionPool, admin_token: str | None) -> APIRouter:
    api = APIRouter()
    admin = [Depends(require_admin(admin_token))]

    @api.post("/locations", status_code=201, dependencies=admin)
    async def register_location(body: LocationRegistered) -> dict[str, str]:
        try:
            await handle_register_location(pool, body)
        except UnknownTimeZoneError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"location_id": body.location_id}

    @api.post("/stations", status_code=201, dependencies=admin)
    async def register_station(body: StationRegistered) -> dict[str, str]:
        try:
            await handle_register_station(pool, body)
        except (UnknownLocationError, DuplicateConnectorError) as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"station_id": body.station_id}

    @api.get("/stations/{station_id}")
    async def station(station_id: str) -> dict[str, Any]:
        return await _one(pool, "SELECT * FROM view_stations_v1 WHERE station_id = %s", station_id)

    @api.get("/locations/{location_id}")
    async def location(location_id: str) -> dict[str, Any]:
        row = await _one(
            pool, "SELECT location FROM view_locations_v1 WHERE location_id = %s", location_id
        )
        return dict(row["location"])

    @api.get("/authorization-cache/{uid}", dependencies=admin)
    async def cached_tokens(uid: str) -> list[dict[str, Any]]:
        """What the gateway knows of token `uid` to decide alone when the authorization
        service does not answer (every issuing party's token with that uid)."""
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT * FROM authorization_cache WHERE uid = %s ORDER BY country_code, party_id",
                (uid,),
            )
            rows = await cur.fetchall()
        if not rows:
            raise HTTPException(404, f"token {uid} is not in the local authorization cache")
        return rows

    return api


async def _one(pool: AsyncConnectionPool, query: str, key: str) -> dict[str, Any]:
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, (key,))
        row = await cur.fetchone()
    if row is None:
        raise HTTPException(404, f"{key} not found")
    return row
