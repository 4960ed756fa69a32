"""Credentials module (OCPI 2.2.1 section 2.2). A configuration module: no routing headers.

GET returns our credentials. POST is the registration handshake (section 2.3) of a partner
registered out of band through the admin API, which issued the token it presents (token A).
PUT updates a registered partner's credentials (section 2.4: we fetch its endpoints again
with its new token and answer with a new token C); DELETE unregisters it (section 2.5). Both
answer HTTP 405 before the handshake.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    CredentialsNotExchangedError,
    RegisteredPartyNotInRolesError,
)
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.credentials.models import (
    BusinessDetails,
    Credentials,
    CredentialsRole,
    PartnerApiError,
)
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, json_body, ocpi_response

OK, METHOD_NOT_ALLOWED = 200, 405


def our_credentials(ctx: OcpiContext, token: str) -> Credentials:
    """The credentials the caller uses to reach us: `token` is already the caller's own (the
    one it presented, or token C it receives now), so nothing leaks; our versions URL; the
    party we host, in both of its roles (OCPI 2.2.1 section 7.3.4: one party may hold several;
    CPO first, as peers that read only the first role expect of us)."""
    roles = [
        CredentialsRole(
            role=role,
            business_details=BusinessDetails(name=ctx.business_name),
            party_id=ctx.us.party_id,
            country_code=ctx.us.country_code,
        )
        for role in ("CPO", "EMSP")
    ]
    return Credentials(token=token, url=ctx.versions_url, roles=roles)


def parse_credentials(raw: bytes) -> Credentials:
    try:
        return Credentials.model_validate(json_body(raw))
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise OcpiError(
            OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, f"invalid Credentials: {reasons}"
        ) from exc


async def register(
    ctx: OcpiContext, caller: Caller, credentials: Credentials, *, update: bool = False
) -> str:
    """Run the handshake (or, `update`, section 2.4); its refusals become the OCPI answers of
    sections 2.2-2.4."""
    try:
        if update:
            return await ctx.registrar.update(caller.partner, credentials)
        return await ctx.registrar.register(caller.partner, credentials)
    except (CredentialsAlreadyExchangedError, CredentialsNotExchangedError) as exc:
        raise OcpiError(METHOD_NOT_ALLOWED, StatusCode.CLIENT_ERROR, str(exc)) from exc
    except RegisteredPartyNotInRolesError as exc:
        raise OcpiError(OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, str(exc)) from exc
    except PartnerApiError as exc:
        raise OcpiError(OK, exc.status_code, str(exc)) from exc


def router(ctx: OcpiContext) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)
    path = f"/{VERSION}/credentials"

    @api.get(path)
    async def get_credentials(caller: Annotated[Caller, Depends(caller_of)]) -> Response:
        body = render_json(our_credentials(ctx, caller.token).model_dump())
        return ocpi_response(body, ctx.clock())

    @api.post(path)
    async def post_credentials(
        request: Request, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        credentials = parse_credentials(await request.body())
        token_c = await register(ctx, caller, credentials)
        body = render_json(our_credentials(ctx, token_c).model_dump())
        return ocpi_response(body, ctx.clock())

    @api.put(path)
    async def put_credentials(
        request: Request, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        credentials = parse_credentials(await request.body())
        token_c = await register(ctx, caller, credentials, update=True)
        body = render_json(our_credentials(ctx, token_c).model_dump())
        return ocpi_response(body, ctx.clock())

    @api.delete(path)
    async def delete_credentials(caller: Annotated[Caller, Depends(caller_of)]) -> Response:
        try:
            await ctx.registrar.unregister(caller.partner)
        except CredentialsNotExchangedError as exc:
            raise OcpiError(METHOD_NOT_ALLOWED, StatusCode.CLIENT_ERROR, str(exc)) from exc
        return ocpi_response(None, ctx.clock())

    return api
