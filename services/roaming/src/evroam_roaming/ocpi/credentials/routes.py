"""Credentials module (OCPI 2.2.1 section 2.2), GET only for now.

Partners are registered out of band through the admin API, which issues the token they
present; the registration handshake (POST, tokens A/B/C), PUT (rotation) and DELETE are not
implemented yet and answer HTTP 405. A configuration module: no routing headers.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.credentials.models import BusinessDetails, Credentials, CredentialsRole
from evroam_roaming.ocpi.envelope import ocpi_response


def our_credentials(ctx: OcpiContext, caller: Caller) -> Credentials:
    """The credentials the caller uses to reach us: the token it presented (already its own,
    so nothing leaks), our versions URL and the party we host."""
    role = CredentialsRole(
        role="CPO",
        business_details=BusinessDetails(name=ctx.business_name),
        party_id=ctx.us.party_id,
        country_code=ctx.us.country_code,
    )
    return Credentials(token=caller.token, url=ctx.versions_url, roles=[role])


def router(ctx: OcpiContext) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)

    @api.get(f"/{VERSION}/credentials")
    async def get_credentials(caller: Annotated[Caller, Depends(caller_of)]) -> Response:
        body = render_json(our_credentials(ctx, caller).model_dump())
        return ocpi_response(body, ctx.clock())

    return api
