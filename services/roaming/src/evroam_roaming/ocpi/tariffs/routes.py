"""Tariffs module, Sender interface (CPO; OCPI 2.2.1 section 3.4):
`GET {tariffs}?date_from&date_to&offset&limit`. The Sender has no GET of one tariff.

A tariff assigned only to named eMSPs (the tariff service's per-eMSP assignments) is shown to
those eMSPs alone; one assigned to every eMSP, or not assigned yet, to every partner.
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
from evroam_roaming.ocpi.tariffs.models import TariffSource

OK = 200


def router(ctx: OcpiContext, tariffs: TariffSource) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)

    async def get_tariffs(
        request: Request, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        """A page of the tariffs in force that the caller may see, oldest last_updated first."""
        routing = routing_headers(ctx.us, caller.partner.party)
        try:
            page = parse_page_request(request.query_params, ctx.max_page_size)
        except InvalidPageParameterError as exc:
            # Reached the OCPI layer: the error travels in the envelope (section 1.7).
            raise OcpiError(
                OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, str(exc), routing
            ) from exc
        now = ctx.clock()
        total, found = await tariffs.page(caller.partner.party, page, now)
        headers = page_headers(ctx.tariffs_url, page, len(found), total, ctx.max_page_size)
        return ocpi_response(render_json(list(found)), now, headers={**headers, **routing})

    # The spec's own examples end the module URL with a slash (`.../tariffs/?offset=`).
    base = f"/cpo/{VERSION}/tariffs"
    for path in (base, f"{base}/"):
        api.add_api_route(path, get_tariffs, methods=["GET"], include_in_schema=path == base)
    return api
