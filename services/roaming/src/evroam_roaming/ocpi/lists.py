"""The GET-list route every Sender module offers (OCPI 2.2.1 section 1.8): pagination in,
`Link`/`X-Total-Count`/`X-Limit` and the routing headers out, a bad parameter as 2001."""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.pagination import (
    InvalidPageParameterError,
    PageRequest,
    page_headers,
    parse_page_request,
)

OK = 200
# (the caller's party, the page asked for, now) -> (how many match, the page's OCPI objects)
Fetch = Callable[[Party, PageRequest, datetime], Awaitable[tuple[int, Sequence[Any]]]]


def add_list_route(
    api: APIRouter,
    ctx: OcpiContext,
    module: str,
    url: str,
    fetch: Fetch,
    doc: str,
    *,
    role: str = "cpo",
) -> None:
    """`GET /{role}/2.2.1/{module}` (and with a trailing slash, as the spec's examples write
    it); `role` "emsp" for the Senders of the eMSP role (tokens)."""
    caller_of = authenticate(ctx.partners)

    async def get_list(request: Request, caller: Annotated[Caller, Depends(caller_of)]) -> Response:
        routing = routing_headers(ctx.us, caller.party)
        try:
            page = parse_page_request(request.query_params, ctx.max_page_size)
        except InvalidPageParameterError as exc:
            # Authenticated and well-formed HTTP: the request reached the OCPI layer, so the
            # error travels in the envelope with HTTP 200 (OCPI 2.2.1 section 1.7).
            raise OcpiError(
                OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, str(exc), routing
            ) from exc
        now = ctx.clock()
        total, found = await fetch(caller.party, page, now)
        headers = page_headers(url, page, len(found), total, ctx.max_page_size)
        return ocpi_response(render_json(list(found)), now, headers={**headers, **routing})

    get_list.__doc__ = doc
    base = f"/{role}/{VERSION}/{module}"
    for path in (base, f"{base}/"):
        api.add_api_route(path, get_list, methods=["GET"], include_in_schema=path == base)
