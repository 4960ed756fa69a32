"""Admin, query and price-preview API of the tariff service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field, model_validator

import evroam_pricing as pricing
from evroam_pricing import tariff_from_ocpi
from evroam_pricing.assignment import SessionScope, emsp_of_contract
from evroam_pricing.errors import PricingError
from evroam_runtime import require_admin
from evroam_tariff.adapters import postgres
from evroam_tariff.domain.decider import (
    AssignmentScope,
    ConnectorWithoutEvseError,
    TariffRetiredError,
    TariffVersionNotFoundError,
)
from evroam_tariff.handlers import commands
from evroam_tariff.handlers.preview import NoTariffError, UnknownLocationError, estimate

TariffType = Literal["AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"]


class Party(BaseModel):
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)


class Assignment(BaseModel):
    tariff_id: str
    version: int | None = None
    effective_from: datetime | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    emsp: Party | None = None


class Retirement(BaseModel):
    retired_from: datetime | None = None


class PreviewRequest(BaseModel):
    """What the driver is about to do; the token (or contract) picks partner-specific tariffs."""

    location_id: str
    evse_uid: str | None = None
    connector_id: str | None = None
    token: Party | None = None
    contract_id: str | None = None
    tariff_type: TariffType = "REGULAR"
    energy_kwh: Decimal = Field(ge=0, le=1000)
    duration_minutes: int = Field(gt=0, le=7 * 24 * 60)
    parking_minutes: int = Field(default=0, ge=0, le=7 * 24 * 60)
    start_at: datetime | None = None
    power_kw: Decimal | None = Field(default=None, gt=0, le=1000)

    @model_validator(mode="after")
    def _aware(self) -> PreviewRequest:
        if self.start_at is not None and self.start_at.tzinfo is None:
            raise ValueError("start_at needs a time zone offset (e.g. Z)")
        return self


def _price(p: pricing.Price | None) -> dict[str, str | None] | None:
    if p is None:
        return None
    return {
        "excl_vat": str(p.excl_vat),
        "incl_vat": None if p.incl_vat is None else str(p.incl_vat),
    }


def _line(line: pricing.CostLine) -> dict[str, Any]:
    return {
        "category": str(line.category),
        "dimension": str(line.dimension),
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "vat": None if line.vat is None else str(line.vat),
        "cost": _price(line.cost),
        "from": line.from_at.isoformat(),
        "to": line.to_at.isoformat(),
    }


def _preview_body(request: PreviewRequest, start_at: datetime, e: Any) -> dict[str, Any]:
    p: pricing.PricedSession = e.priced
    return {
        "location_id": request.location_id,
        "time_zone": e.time_zone,
        "tariff": {"id": e.tariff_id, "version": e.version, "ocpi": e.tariff},
        "currency": p.currency,
        "start_at": start_at.isoformat(),
        "total_cost": _price(p.total_cost),
        "total_fixed_cost": _price(p.total_fixed_cost),
        "total_energy_cost": _price(p.total_energy_cost),
        "total_time_cost": _price(p.total_time_cost),
        "total_parking_cost": _price(p.total_parking_cost),
        "total_energy": str(p.total_energy_kwh),
        "total_time": str(p.total_time_h),
        "charging_periods": [
            {
                "start_date_time": c.start_date_time.isoformat(),
                "tariff_id": c.tariff_id,
                "dimensions": [
                    {"type": str(d.type), "volume": str(d.volume)} for d in c.dimensions
                ],
            }
            for c in p.charging_periods
        ],
        "lines": [_line(line) for line in p.lines],
    }


def router(pool: AsyncConnectionPool, admin_token: str | None) -> APIRouter:
    api = APIRouter()
    admin = [Depends(require_admin(admin_token))]

    @api.post("/tariffs", status_code=201, dependencies=admin)
    async def publish_tariff(body: dict[str, Any]) -> dict[str, Any]:
        """Publish an OCPI 2.2.1 Tariff as a new immutable version."""
        try:
            tariff_from_ocpi(body)
            event = await commands.handle_publish_tariff(pool, body)
        except PricingError as exc:
            raise HTTPException(422, {"error": type(exc).__name__, "detail": str(exc)}) from exc
        except TariffRetiredError as exc:
            raise HTTPException(409, str(exc)) from exc
        return {"tariff_id": body["id"], "version": getattr(event, "tariff_version", None)}

    @api.post("/locations/{location_id}/tariff", status_code=201, dependencies=admin)
    async def assign_tariff(location_id: str, body: Assignment) -> dict[str, Any]:
        """Assign a version to the location, or to one EVSE/connector, optionally per eMSP."""
        scope = AssignmentScope(
            location_id,
            body.evse_uid,
            body.connector_id,
            (body.emsp.country_code.upper(), body.emsp.party_id.upper()) if body.emsp else None,
        )
        try:
            event = await commands.handle_assign_tariff(
                pool, body.tariff_id, scope, body.version, body.effective_from
            )
        except TariffVersionNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        except (TariffRetiredError, ConnectorWithoutEvseError) as exc:
            raise HTTPException(409, str(exc)) from exc
        return event.to_json_dict()

    @api.post("/tariffs/{tariff_id}/retire", dependencies=admin)
    async def retire_tariff(tariff_id: str, body: Retirement) -> dict[str, Any]:
        try:
            events = await commands.handle_retire_tariff(pool, tariff_id, body.retired_from)
        except TariffVersionNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        return {"tariff_id": tariff_id, "retired": bool(events)}

    @api.get("/tariffs/{tariff_id}/versions/{version}")
    async def tariff_version(tariff_id: str, version: int) -> dict[str, Any]:
        async with pool.connection() as conn:
            tariff = await postgres.tariff_version(conn, tariff_id, version)
        if tariff is None:
            raise HTTPException(404, f"tariff {tariff_id} v{version} not found")
        return {"tariff_id": tariff_id, "version": version, "tariff": tariff}

    @api.post("/price-preview")
    async def price_preview(body: PreviewRequest) -> dict[str, Any]:
        """An itemised estimate from the engine that will price the real session."""
        emsp = (
            (body.token.country_code.upper(), body.token.party_id.upper())
            if body.token
            else emsp_of_contract(body.contract_id)
            if body.contract_id
            else None
        )
        start_at = (body.start_at or datetime.now(UTC)).astimezone(UTC)
        scope = SessionScope(
            body.location_id, body.evse_uid, body.connector_id, body.tariff_type, emsp
        )
        try:
            e = await estimate(
                pool,
                scope,
                start_at=start_at,
                energy_wh=int(body.energy_kwh * 1000),
                duration=timedelta(minutes=body.duration_minutes),
                power_w=int(body.power_kw * 1000) if body.power_kw else None,
                parking=timedelta(minutes=body.parking_minutes),
            )
        except (UnknownLocationError, NoTariffError) as exc:
            raise HTTPException(404, str(exc)) from exc
        return _preview_body(body, start_at, e)

    return api
