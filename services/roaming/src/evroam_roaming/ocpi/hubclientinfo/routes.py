"""HubClientInfo module, Receiver interface (OCPI 2.2.1 section 3.8): a hub tells us which
parties are behind it and whether they are CONNECTED. A configuration module: no routing
headers. Only a partner registered with role HUB may push; a hub may then speak for (and be
sent the objects of) its CONNECTED clients."""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, json_body, ocpi_response

OK, NOT_FOUND, METHOD_NOT_ALLOWED = 200, 404, 405


class ClientInfo(BaseModel):
    party_id: str = Field(min_length=3, max_length=3)
    country_code: str = Field(min_length=2, max_length=2)
    role: Literal["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"]
    status: Literal["CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"]
    last_updated: datetime


class HubClientStore(Protocol):
    async def put(
        self, hub_partner_id: str, party: Party, role: str, status: str, last_updated: datetime
    ) -> bool: ...

    async def get(self, hub_partner_id: str, party: Party) -> dict[str, Any] | None: ...


def router(ctx: OcpiContext, clients: HubClientStore) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)
    path = f"/{VERSION}/clientinfo/{{country_code}}/{{party_id}}"

    def hub_only(caller: Caller) -> None:
        if caller.partner.role != "HUB":
            raise OcpiError(
                METHOD_NOT_ALLOWED,
                StatusCode.CLIENT_ERROR,
                "only a hub (role HUB) pushes ClientInfo",
                {"Allow": ""},
            )

    @api.put(path)
    async def put_client_info(
        country_code: str,
        party_id: str,
        request: Request,
        caller: Annotated[Caller, Depends(caller_of)],
    ) -> Response:
        hub_only(caller)
        try:
            info = ClientInfo.model_validate(json_body(await request.body()))
        except ValidationError as exc:
            reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise OcpiError(OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, reason) from exc
        party = Party.of(country_code, party_id)
        if Party.of(info.country_code, info.party_id) != party:
            raise OcpiError(
                OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, "the body is not the URL's party"
            )
        await clients.put(
            caller.partner.partner_id, party, info.role, info.status, info.last_updated
        )
        return ocpi_response(None, ctx.clock())

    @api.get(path)
    async def get_client_info(
        country_code: str, party_id: str, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        hub_only(caller)
        found = await clients.get(caller.partner.partner_id, Party.of(country_code, party_id))
        if found is None:
            raise OcpiError(NOT_FOUND, StatusCode.CLIENT_ERROR, "no ClientInfo for that party")
        return ocpi_response(render_json(found), ctx.clock())

    return api
