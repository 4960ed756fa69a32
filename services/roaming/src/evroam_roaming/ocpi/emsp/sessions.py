"""Sessions module, Receiver interface (we are the eMSP; OCPI 2.2.1 section 3.2):
`GET|PUT|PATCH {sessions}/{country_code}/{party_id}/{session_id}`.

A PUT replaces the whole session, `charging_periods` included; the `charging_periods` of a
PATCH are appended to those we hold (section 3.2), its other fields replace ours. A session
whose `cdr_token` is not one of our own tokens is refused as invalid (2001), and so is a PATCH
that would make it so.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_roaming.domain.received import NotOurTokenError, ObjectNotFoundError
from evroam_roaming.ocpi.auth import Caller
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.emsp.receiving import (
    ReceiverStore,
    answer,
    check_identity,
    check_patch,
    cpo_caller,
    held,
    invalid,
    owned_key,
    read_body,
    unknown,
    url_fields,
)
from evroam_roaming.ocpi.emsp.session_objects import Session
from evroam_roaming.ocpi.types import InvalidObjectError, parse_object


def router(ctx: OcpiContext, store: ReceiverStore) -> APIRouter:
    api = APIRouter()
    caller_of = cpo_caller(ctx)  # section 1.1: CPOs (and hubs) only
    CallerDep = Annotated[Caller, Depends(caller_of)]
    path = f"/emsp/{VERSION}/sessions/{{country_code}}/{{party_id}}/{{session_id}}"

    @api.get(path)
    async def get_session(
        country_code: str, party_id: str, session_id: str, caller: CallerDep
    ) -> Response:
        key, routing = await owned_key(ctx, caller, "sessions", country_code, party_id, session_id)
        return held(await store.get(key), "Session", ctx.clock(), routing)

    @api.put(path)
    async def put_session(
        country_code: str, party_id: str, session_id: str, request: Request, caller: CallerDep
    ) -> Response:
        key, routing = await owned_key(ctx, caller, "sessions", country_code, party_id, session_id)
        body = read_body(await request.body(), routing)
        try:
            session = parse_object(Session, body, "Session")
            check_identity(session.model_dump(), url_fields(key), "Session")
            receipt = await store.put_session(caller.partner.partner_id, key, session)
        except (InvalidObjectError, NotOurTokenError) as exc:
            raise invalid(exc, routing) from exc
        return answer(receipt, "Session", ctx.clock(), routing)

    @api.patch(path)
    async def patch_session(
        country_code: str, party_id: str, session_id: str, request: Request, caller: CallerDep
    ) -> Response:
        key, routing = await owned_key(ctx, caller, "sessions", country_code, party_id, session_id)
        body = read_body(await request.body(), routing)
        try:
            patch = check_patch(Session, body, "Session")
            check_identity(patch, url_fields(key), "Session")
            receipt = await store.patch_session(caller.partner.partner_id, key, patch)
        except (InvalidObjectError, NotOurTokenError) as exc:
            raise invalid(exc, routing) from exc
        except ObjectNotFoundError as exc:
            raise unknown("Unknown Session: PUT it first", routing) from exc
        return answer(receipt, "Session", ctx.clock(), routing)

    return api
