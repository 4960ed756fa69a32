"""Sessions module, Sender interface (CPO; OCPI 2.2.1 section 3.2):
`GET {sessions}?date_from&date_to&offset&limit`.

A partner sees the sessions of its own drivers only (their `cdr_token` belongs to its party),
as for CDRs. The Sender has no GET of one session, so none is offered (an unknown path: HTTP
404 for everyone alike). `date_from` is marked required in the module's table but optional in
the pagination rules every list follows (section 1.8); a request without it gets every session
from the beginning rather than an error. PUT `{sessions}/{id}/charging_preferences` is not
offered: no EVSE of ours declares CHARGING_PREFERENCES_CAPABLE.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.pagination import (
    InvalidPageParameterError,
    page_headers,
    parse_page_request,
)
from evroam_roaming.ocpi.sessions.models import SessionSource, session_to_ocpi

OK = 200


def router(ctx: OcpiContext, sessions: SessionSource) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)

    async def get_sessions(
        request: Request, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        """A page of the sessions of the caller's drivers, oldest last_updated first."""
        routing = routing_headers(ctx.us, caller.partner.party)
        try:
            page = parse_page_request(request.query_params, ctx.max_page_size)
        except InvalidPageParameterError as exc:
            # Reached the OCPI layer: the error travels in the envelope (section 1.7).
            raise OcpiError(
                OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, str(exc), routing
            ) from exc
        total, found = await sessions.page(caller.partner.party, page)
        data = render_json([session_to_ocpi(s) for s in found])
        headers = page_headers(ctx.sessions_url, page, len(found), total, ctx.max_page_size)
        return ocpi_response(data, ctx.clock(), headers={**headers, **routing})

    # The spec's own examples end the module URL with a slash (`.../sessions/?date_from=`).
    base = f"/cpo/{VERSION}/sessions"
    for path in (base, f"{base}/"):
        api.add_api_route(path, get_sessions, methods=["GET"], include_in_schema=path == base)
    return api
