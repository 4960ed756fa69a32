"""The gateway's HTTP API: the station and location registry (`registry_api`, `station_api`)
and what the gateway knows for deciding alone. Every route needs the admin bearer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_gateway.adapters.credentials import StationCredentials
from evroam_gateway.adapters.registry_api import add_location_routes
from evroam_gateway.adapters.station_api import add_credential_routes, add_station_routes
from evroam_runtime import require_admin


def router(
    pool: AsyncConnectionPool,
    admin_token: str | None,
    credentials: StationCredentials | None = None,
) -> APIRouter:
    """`credentials`: the process's one StationCredentials, shared with the OCPP endpoint;
    one of its own is made when none is given (setting a password needs no cache)."""
    api = APIRouter()
    admin = [Depends(require_admin(admin_token))]
    registry = APIRouter(dependencies=admin, tags=["registry"])
    add_location_routes(registry, pool)
    add_station_routes(registry, pool)
    add_credential_routes(registry, credentials or StationCredentials(pool))
    api.include_router(registry)

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
