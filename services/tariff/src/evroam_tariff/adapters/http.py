"""Admin and query API of the tariff service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

from evroam_pricing import tariff_from_ocpi
from evroam_pricing.errors import PricingError
from evroam_runtime import require_admin
from evroam_tariff.domain.decider import TariffVersionNotFoundError
from evroam_tariff.handlers.commands import handle_assign_tariff, handle_publish_tariff


class Assignment(BaseModel):
    tariff_id: str
    version: int | None = None
    effective_from: datetime | None = None


def router(pool: AsyncConnectionPool, admin_token: str | None) -> APIRouter:
    api = APIRouter()
    admin = [Depends(require_admin(admin_token))]

    @api.post("/tariffs", status_code=201, dependencies=admin)
    async def publish_tariff(body: dict[str, Any]) -> dict[str, Any]:
        """Publish an OCPI 2.2.1 Tariff as a new immutable version."""
        try:
            tariff_from_ocpi(body)
        except PricingError as exc:
            raise HTTPException(422, {"error": type(exc).__name__, "detail": str(exc)}) from exc
        event = await handle_publish_tariff(pool, body)
        return {"tariff_id": event.tariff_id, "version": event.tariff_version}

    @api.post("/locations/{location_id}/tariff", status_code=201, dependencies=admin)
    async def assign_tariff(location_id: str, body: Assignment) -> dict[str, Any]:
        try:
            event = await handle_assign_tariff(
                pool, body.tariff_id, location_id, body.version, body.effective_from
            )
        except TariffVersionNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        return event.to_json_dict()

    @api.get("/tariffs/{tariff_id}/versions/{version}")
    async def tariff_version(tariff_id: str, version: int) -> dict[str, Any]:
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT tariff FROM view_tariff_versions_v1 WHERE tariff_id=%s AND version=%s",
                (tariff_id, version),
            )
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, f"tariff {tariff_id} v{version} not found")
        return {"tariff_id": tariff_id, "version": version, "tariff": row["tariff"]}

    return api
