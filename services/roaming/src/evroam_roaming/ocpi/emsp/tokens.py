"""Tokens module, Sender interface (we are the eMSP; OCPI 2.2.1 section 3.5): the list of our
own drivers' tokens, `GET {tokens}?date_from&date_to&offset&limit` (paginated, section 1.8),
and real-time authorization, `POST {tokens}/{token_uid}/authorize[?type=RFID]` (section 6.1).

Only a CPO, or a hub on a CPO's behalf, may call it (the interface table of section 1.1):
another partner gets HTTP 403 (OCPI 2000), whatever it asks.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Protocol, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evroam_contracts.ocpi_json import render_json
from evroam_contracts.shared import LocationReferences, TokenType
from evroam_roaming.domain.emsp_tokens import TOKEN_CLIENT_ROLES, AuthorizationAnswer
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, json_body, ocpi_response
from evroam_roaming.ocpi.headers import CORRELATION_ID, echoed_ids, routing_headers
from evroam_roaming.ocpi.lists import add_list_route
from evroam_roaming.ocpi.pagination import PageRequest
from evroam_roaming.ocpi.roles import caller_in_role
from evroam_roaming.ocpi.tokens.models import TOKEN_TYPES, token_json
from evroam_roaming.ocpi.types import reasons

OK, NOT_FOUND = 200, 404
MAX_UID_LENGTH = 36


class TokenSender(Protocol):
    async def page(self, request: PageRequest) -> tuple[int, Sequence[Any]]: ...

    async def authorize(
        self,
        *,
        partner_id: str,
        cpo: Party,
        uid: str,
        type_: TokenType,
        location: LocationReferences | None,
        addressed: Party | None,
        correlation_id: str | None,
    ) -> AuthorizationAnswer | None: ...


class _LocationIn(BaseModel):
    """LocationReferences (section 3.5) as a CPO sends it: CiString(36) ids."""

    model_config = ConfigDict(extra="ignore")
    location_id: str = Field(min_length=1, max_length=36, pattern=r"^[ -~]+$")
    evse_uids: list[Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[ -~]+$")]] = []

    @field_validator("evse_uids", mode="before")
    @classmethod
    def _absent_is_empty(cls, value: object) -> object:
        return [] if value is None else value  # section 1: `*` absent, null and [] alike


def location_of(raw: bytes, routing: dict[str, str]) -> LocationReferences | None:
    """The optional body; not JSON at all is HTTP 400, no LocationReferences 2001."""
    if not raw.strip():
        return None
    data = json_body(raw, routing)
    if data is None:
        return None
    try:
        parsed = _LocationIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(f"invalid LocationReferences: {reasons(exc)}", routing) from exc
    return LocationReferences(location_id=parsed.location_id, evse_uids=tuple(parsed.evse_uids))


def authorization_info(answer: AuthorizationAnswer) -> dict[str, Any]:
    """AuthorizationInfo (section 3.5): the whole token lets the CPO learn it."""
    info: dict[str, Any] = {"allowed": answer.allowed, "token": token_json(answer.token)}
    if answer.location is not None:
        info["location"] = answer.location.model_dump(mode="json")
    if answer.authorization_reference is not None:
        info["authorization_reference"] = answer.authorization_reference
    return info


def addressed_party(request: Request) -> Party | None:
    """The party the CPO addressed (OCPI-to-*, section 1.5), when it said."""
    country_code = request.headers.get("OCPI-to-country-code")
    party_id = request.headers.get("OCPI-to-party-id")
    return Party.of(country_code, party_id) if country_code and party_id else None


def _invalid(message: str, routing: dict[str, str]) -> OcpiError:
    return OcpiError(OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, message, routing)


def router(ctx: OcpiContext, tokens: TokenSender) -> APIRouter:
    refusal = "our Tokens Sender serves CPOs and hubs"
    cpo_only = caller_in_role(ctx.us, authenticate(ctx.partners), TOKEN_CLIENT_ROLES, refusal)

    # The role check guards every route of this router, the list's included.
    api = APIRouter(dependencies=[Depends(cpo_only)])

    async def fetch(party: Party, page: PageRequest, now: datetime) -> tuple[int, Sequence[Any]]:
        return await tokens.page(page)  # every CPO may see every token of ours

    doc = "Our own drivers' tokens, oldest first (OCPI 2.2.1 sections 3.5 and 1.8)."
    add_list_route(api, ctx, "tokens", ctx.emsp_tokens_url, fetch, doc, role="emsp")

    @api.post(f"/emsp/{VERSION}/tokens/{{token_uid}}/authorize")
    async def authorize(
        token_uid: str, request: Request, caller: Annotated[Caller, Depends(cpo_only)]
    ) -> Response:
        """Real-time authorization (section 6.1): ALLOWED or BLOCKED with the whole token;
        a token that is not ours is HTTP 404 with OCPI 2004."""
        routing = routing_headers(ctx.us, caller.party)
        type_ = request.query_params.get("type") or "RFID"
        if type_ not in TOKEN_TYPES:
            raise _invalid(f"type must be one of {', '.join(TOKEN_TYPES)}", routing)
        if len(token_uid) > MAX_UID_LENGTH:
            raise _invalid(f"token_uid is longer than {MAX_UID_LENGTH} characters", routing)
        answer = await tokens.authorize(
            partner_id=caller.partner.partner_id,
            cpo=caller.party,
            uid=token_uid,
            type_=cast(TokenType, type_),
            location=location_of(await request.body(), routing),
            addressed=addressed_party(request),
            correlation_id=echoed_ids(request.headers).get(CORRELATION_ID),
        )
        if answer is None:
            raise OcpiError(NOT_FOUND, StatusCode.UNKNOWN_TOKEN, "Unknown token", routing)
        data = render_json(authorization_info(answer))
        return ocpi_response(data, ctx.clock(), headers=routing)

    return api
