"""Admin API of the roaming service: partner platforms and their credentials tokens, and the
pushes to partners (their outcomes, the dead-lettered ones, replay)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from evroam_contracts.roaming import Role
from evroam_roaming.adapters import pushes
from evroam_roaming.adapters.postgres import PostgresPartners
from evroam_roaming.domain.errors import PartnerAlreadyRegisteredError
from evroam_roaming.domain.partners import RegisterPartner
from evroam_roaming.handlers.commands import handle_register_partner
from evroam_runtime import require_admin

CONFLICT, NOT_FOUND = 409, 404
PushState = Literal["PENDING", "DELIVERED", "DEAD"]
Replay = Callable[[int], Awaitable[bool]]


class PartnerRegistration(BaseModel):
    # OCPI 2.2.1 section 2.2: BusinessDetails.name string(100); country_code CiString(2)
    # (ISO 3166-1 alpha-2); party_id CiString(3).
    name: str = Field(min_length=1, max_length=100)
    country_code: str = Field(pattern=r"^[A-Za-z]{2}$")
    party_id: str = Field(pattern=r"^[A-Za-z0-9]{3}$")
    role: Role


def router(
    pool: AsyncConnectionPool, admin_token: str | None, replay: Replay | None = None
) -> APIRouter:
    partners = PostgresPartners(pool)
    api = APIRouter(prefix="/admin")
    admin = [Depends(require_admin(admin_token))]

    @api.post("/partners", status_code=201, dependencies=admin)
    async def register_partner(body: PartnerRegistration) -> dict[str, Any]:
        """Register a partner platform and issue the credentials token it will present as
        `Authorization: Token <base64(token)>`. The token is in this answer only: keep it."""
        command = RegisterPartner(body.name, body.country_code, body.party_id, body.role)
        try:
            event, token = await handle_register_partner(pool, command)
        except PartnerAlreadyRegisteredError as exc:
            raise HTTPException(CONFLICT, str(exc)) from exc
        return {**event.model_dump(mode="json", exclude={"token_sha256"}), "token": token}

    @api.get("/partners", dependencies=admin)
    async def list_partners() -> list[dict[str, Any]]:
        return await partners.all()

    @api.get("/pushes", dependencies=admin)
    async def list_pushes(
        state: PushState | None = None,
        partner_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """Pushes to partners, oldest first: state (DEAD: the dead-letter list), attempts,
        the last error, and where the partner keeps a delivered object."""
        async with pool.connection() as conn:
            return await pushes.listing(conn, state, partner_id, limit)

    @api.post("/pushes/{push_id}/replay", dependencies=admin)
    async def replay_push(push_id: int) -> dict[str, Any]:
        """Send a dead-lettered push again, its attempts counted from zero."""
        if replay is None or not await replay(push_id):
            raise HTTPException(NOT_FOUND, f"no dead-lettered push {push_id}")
        return {"push_id": push_id, "state": "PENDING"}

    return api
