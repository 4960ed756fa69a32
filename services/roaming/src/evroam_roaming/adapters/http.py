"""Admin API of the roaming service: partner platforms (registration, token A, their status)
and the pushes to partners (their outcomes, the dead-lettered ones, replay). No answer ever
carries a credentials token, except the token A a registration or a reissue just created."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from evroam_contracts.roaming import PartnerRegistered, PartnerTokenReissued, Role
from evroam_roaming.adapters import partner_status, pushes
from evroam_roaming.adapters.partner_status import PartnerStatus, PartnerSummary
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    PartnerAlreadyRegisteredError,
)
from evroam_roaming.domain.partner_tokens import IssueTokenA
from evroam_roaming.domain.partners import RegisterPartner
from evroam_roaming.handlers.commands import handle_register_partner
from evroam_roaming.handlers.partner_tokens import handle_issue_token_a
from evroam_runtime import require_admin

CONFLICT, NOT_FOUND = 409, 404
PushState = Literal["PENDING", "DELIVERED", "DEAD"]
Replay = Callable[[int], Awaitable[bool]]
# A token in an answer must not be kept by a cache between the operator and us.
NO_STORE = {"Cache-Control": "no-store"}


class PartnerRegistration(BaseModel):
    # OCPI 2.2.1 section 2.2: BusinessDetails.name string(100); country_code CiString(2)
    # (ISO 3166-1 alpha-2); party_id CiString(3).
    name: str = Field(min_length=1, max_length=100)
    country_code: str = Field(pattern=r"^[A-Za-z]{2}$")
    party_id: str = Field(pattern=r"^[A-Za-z0-9]{3}$")
    role: Role


class IssuedToken(BaseModel):
    """A new token A, shown once. `replaces_partner_id` is set when an unregistered partner's
    party came back as a new partner, with a new id."""

    partner_id: str
    name: str
    country_code: str
    party_id: str
    role: Role
    token: str
    issued_at: datetime
    replaces_partner_id: str | None = None


def issued_at(event: PartnerRegistered | PartnerTokenReissued) -> datetime:
    if isinstance(event, PartnerRegistered):
        return event.registered_at
    return event.reissued_at


def router(
    pool: AsyncConnectionPool, admin_token: str | None, replay: Replay | None = None
) -> APIRouter:
    api = APIRouter(prefix="/admin")
    admin = [Depends(require_admin(admin_token))]

    @api.post("/partners", status_code=201, dependencies=admin)
    async def register_partner(body: PartnerRegistration, response: Response) -> dict[str, Any]:
        """Register a partner platform and issue the credentials token it will present as
        `Authorization: Token <base64(token)>`. The token is in this answer only: keep it."""
        command = RegisterPartner(body.name, body.country_code, body.party_id, body.role)
        try:
            event, token = await handle_register_partner(pool, command)
        except PartnerAlreadyRegisteredError as exc:
            raise HTTPException(CONFLICT, str(exc)) from exc
        response.headers.update(NO_STORE)
        return {**event.model_dump(mode="json", exclude={"token_sha256"}), "token": token}

    @api.get("/partners", dependencies=admin)
    async def list_partners(include_unregistered: bool = False) -> list[PartnerSummary]:
        """Partners registered now, oldest first: REGISTERED (token A issued, the OCPI
        handshake not done yet) or CONNECTED, with their push counts. With
        `include_unregistered`, also those that unregistered (read from the log: slower)."""
        async with pool.connection() as conn:
            found = {p.partner_id: p for p in await partner_status.registered_now(conn)}
            if include_unregistered:
                # The log wins over a projection a step behind.
                found |= {p.partner_id: p for p in await partner_status.unregistered(conn)}
        return sorted(found.values(), key=lambda p: (p.registered_at, p.partner_id))

    @api.get("/partners/{partner_id}", dependencies=admin)
    async def partner(partner_id: str) -> PartnerStatus:
        """One partner: its state, the OCPI version and endpoints it published, when it
        registered, completed the handshake and last updated its credentials, its pushes by
        state and the last push error, and for a hub the clients it reported."""
        async with pool.connection() as conn:
            found = await partner_status.partner_status(conn, partner_id)
        if found is None:
            raise HTTPException(NOT_FOUND, f"no partner {partner_id}")
        return found

    @api.post("/partners/{partner_id}/token", status_code=201, dependencies=admin)
    async def issue_token_a(partner_id: str, response: Response) -> IssuedToken:
        """A new token A for a partner that has not completed the OCPI handshake (the old
        token stops working) or that unregistered (its party is registered again, as a new
        partner with the same name and role). 409 for a CONNECTED partner: it rotates its
        token itself (PUT credentials). The token is in this answer only: keep it."""
        async with pool.connection() as conn:
            history = await partner_status.history_of(conn, partner_id)
        if history is None:
            raise HTTPException(NOT_FOUND, f"no partner {partner_id}")
        r = history.registered
        command = IssueTokenA(partner_id, r.name, r.country_code, r.party_id, r.role)
        try:
            event, token = await handle_issue_token_a(pool, command)
        except (PartnerAlreadyRegisteredError, CredentialsAlreadyExchangedError) as exc:
            raise HTTPException(CONFLICT, str(exc)) from exc
        response.headers.update(NO_STORE)
        return IssuedToken(
            partner_id=event.partner_id,
            name=r.name,
            country_code=r.country_code,
            party_id=r.party_id,
            role=r.role,
            token=token,
            issued_at=issued_at(event),
            replaces_partner_id=None if event.partner_id == partner_id else partner_id,
        )

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
