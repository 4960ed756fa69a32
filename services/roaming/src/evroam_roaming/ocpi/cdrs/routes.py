"""CDRs module, Sender interface (CPO): `GET {cdrs}?date_from&date_to&offset&limit` (OCPI
2.2.1 section 3.3). There is no GET of a single CDR on the Sender; it is not offered."""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.cdrs.models import cdr_to_ocpi
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.pagination import (
    InvalidPageParameterError,
    page_headers,
    parse_page_request,
)

OK = 200


def router(ctx: OcpiContext) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)

    async def get_cdrs(request: Request, caller: Annotated[Caller, Depends(caller_of)]) -> Response:
        """A page of the CDRs of the caller's drivers, oldest first."""
        routing = routing_headers(ctx.us, caller.partner.party)
        try:
            page = parse_page_request(request.query_params, ctx.max_page_size)
        except InvalidPageParameterError as exc:
            # Authenticated and well-formed HTTP: the request reached the OCPI layer, so the
            # error travels in the envelope with HTTP 200 (OCPI 2.2.1 section 1.7).
            raise OcpiError(
                OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, str(exc), routing
            ) from exc
        total, cdrs = await ctx.cdrs.page(caller.partner.party, page)
        data = render_json([cdr_to_ocpi(c) for c in cdrs])
        headers = page_headers(ctx.cdrs_url, page, len(cdrs), total, ctx.max_page_size)
        return ocpi_response(data, ctx.clock(), headers={**headers, **routing})

    # The spec's own Link examples end the module URL with a slash (`.../cdrs/?offset=`).
    for path in (f"/cpo/{VERSION}/cdrs", f"/cpo/{VERSION}/cdrs/"):
        api.add_api_route(path, get_cdrs, methods=["GET"], include_in_schema=path.endswith("s"))
    return api
