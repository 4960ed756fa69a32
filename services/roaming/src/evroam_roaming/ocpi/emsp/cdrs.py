"""CDRs module, Receiver interface (we are the eMSP; OCPI 2.2.1 section 3.3): `POST {cdrs}`
with a whole CDR, answered with a `Location` header where it can be read again,
`GET {cdrs}/{country_code}/{party_id}/{cdr_id}` (CDR ids are unique per CPO party only, so the
URL names the owner). A CDR never changes: PUT, PATCH and DELETE are not offered, and another
CDR under an id we hold is refused with HTTP 409 (OCPI 2000); the very same CDR again (a
retried POST) is answered as the first time, without recording it twice. A CDR whose
`cdr_token` is not one of our own tokens is refused as invalid (2001): it is not ours to bill.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.received import CdrAlreadyReceivedError, NotOurTokenError, ObjectKey
from evroam_roaming.ocpi.auth import Caller
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.emsp.cdr_objects import CDR
from evroam_roaming.ocpi.emsp.receiving import (
    ReceiverStore,
    answer,
    check_owner,
    cpo_caller,
    held,
    invalid,
    owned_key,
    read_body,
)
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.types import InvalidObjectError, parse_object

CONFLICT = 409


def cdr_url(cdrs_url: str, cdr: CDR) -> str:
    """Where a CDR we received can be read again (the `Location` of our answer)."""
    parts = (cdr.country_code, cdr.party_id, cdr.id)
    return cdrs_url.rstrip("/") + "/" + "/".join(quote(p, safe="") for p in parts)


def router(ctx: OcpiContext, store: ReceiverStore) -> APIRouter:
    api = APIRouter()
    caller_of = cpo_caller(ctx)  # section 1.1: CPOs (and hubs) only
    CallerDep = Annotated[Caller, Depends(caller_of)]
    base = f"/emsp/{VERSION}/cdrs"

    async def post_cdr(request: Request, caller: CallerDep) -> Response:
        routing = routing_headers(ctx.us, caller.party)
        body = read_body(await request.body(), routing)
        try:
            cdr = parse_object(CDR, body, "CDR")
        except InvalidObjectError as exc:
            raise invalid(exc, routing) from exc
        await check_owner(ctx.partners, caller, Party.of(cdr.country_code, cdr.party_id), routing)
        key = ObjectKey.of("cdrs", cdr.country_code, cdr.party_id, cdr.id)
        try:
            receipt = await store.post_cdr(caller.partner.partner_id, key, cdr)
        except NotOurTokenError as exc:
            raise invalid(exc, routing) from exc
        except CdrAlreadyReceivedError as exc:
            raise OcpiError(CONFLICT, StatusCode.CLIENT_ERROR, str(exc), routing) from exc
        location = cdr_url(ctx.emsp_cdrs_url, cdr)
        return answer(receipt, "CDR", ctx.clock(), routing, Location=location)

    for path in (base, f"{base}/"):
        api.add_api_route(path, post_cdr, methods=["POST"], include_in_schema=path == base)

    @api.get(base + "/{country_code}/{party_id}/{cdr_id:path}")
    async def get_cdr(country_code: str, party_id: str, cdr_id: str, caller: CallerDep) -> Response:
        key, routing = await owned_key(ctx, caller, "cdrs", country_code, party_id, cdr_id)
        return held(await store.get(key), "CDR", ctx.clock(), routing)

    return api
