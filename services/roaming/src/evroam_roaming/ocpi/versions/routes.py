"""Versions module (OCPI 2.2.1 section 2.1): the versions we speak and, per version, our
endpoints. A configuration module: no routing headers. Any valid credentials token may ask."""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import ocpi_response
from evroam_roaming.ocpi.versions.models import Endpoint, ModuleID, Version, VersionDetails


def version_details(ctx: OcpiContext) -> VersionDetails:
    """Functional modules' URLs end in `/`, as every example of the spec does: a client that
    appends `{country_code}/{party_id}/...` (module chapters) and one that appends
    `/{country_code}/...` (transport chapter) both reach us (ocpi/api.py joins `//`)."""
    # For credentials the role means nothing; we publish SENDER as section 2.1 advises.
    endpoints = [
        Endpoint(identifier="credentials", role="SENDER", url=ctx.credentials_url),
        Endpoint(identifier="cdrs", role="SENDER", url=ctx.cdrs_url + "/"),
        Endpoint(identifier="tokens", role="RECEIVER", url=ctx.tokens_url + "/"),
    ]
    # The CPO objects' Sender interfaces, when offered (OcpiContext: a source is set).
    offered: list[tuple[ModuleID, object | None, str]] = [
        ("locations", ctx.locations, ctx.locations_url),
        ("sessions", ctx.sessions, ctx.sessions_url),
        ("tariffs", ctx.tariffs, ctx.tariffs_url),
    ]
    endpoints += [
        Endpoint(identifier=module, role="SENDER", url=url + "/")
        for module, source, url in offered
        if source is not None
    ]
    if ctx.commands is not None:  # where eMSPs send us commands (section 13.1)
        endpoints.append(
            Endpoint(identifier="commands", role="RECEIVER", url=ctx.commands_url + "/")
        )
    # The eMSP role: CPOs pull our tokens and ask for real-time authorization (section 3.5);
    # CPOs post the results of our commands below this URL (section 3.6, `response_url`).
    if ctx.emsp_tokens is not None:
        endpoints.append(
            Endpoint(identifier="tokens", role="SENDER", url=ctx.emsp_tokens_url + "/")
        )
    if ctx.command_results is not None:
        endpoints.append(
            Endpoint(identifier="commands", role="SENDER", url=ctx.emsp_commands_url + "/")
        )
    # The eMSP role: where partner CPOs push the objects they own (sections 3.1-3.4).
    if ctx.emsp_objects is not None:
        receivers: list[ModuleID] = ["locations", "sessions", "cdrs", "tariffs"]
        endpoints += [
            Endpoint(identifier=m, role="RECEIVER", url=ctx.emsp_url(m) + "/") for m in receivers
        ]
    if ctx.hub_clients is not None:  # where a hub tells us of its clients (section 3.8)
        endpoints.append(
            Endpoint(identifier="hubclientinfo", role="RECEIVER", url=ctx.clientinfo_url + "/")
        )
    return VersionDetails(version=VERSION, endpoints=endpoints)


def router(ctx: OcpiContext) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)

    @api.get("/versions")
    async def get_versions(caller: Annotated[Caller, Depends(caller_of)]) -> Response:
        versions = [Version(version=VERSION, url=ctx.version_details_url)]
        return ocpi_response(render_json([v.model_dump() for v in versions]), ctx.clock())

    @api.get(f"/{VERSION}")
    async def get_version_details(caller: Annotated[Caller, Depends(caller_of)]) -> Response:
        return ocpi_response(render_json(version_details(ctx).model_dump()), ctx.clock())

    return api
