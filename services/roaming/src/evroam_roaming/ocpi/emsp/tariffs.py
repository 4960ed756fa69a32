"""Tariffs module, Receiver interface (we are the eMSP; OCPI 2.2.1 section 3.4):
`GET|PUT|DELETE {tariffs}/{country_code}/{party_id}/{tariff_id}`. PATCH was removed in 2.2.

DELETE tells us the tariff is no longer used; we keep a tombstone, so that a late PUT older
than the deletion does not bring it back, while a newer PUT does.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_roaming.domain.received import ObjectNotFoundError
from evroam_roaming.ocpi.auth import Caller
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.emsp.receiving import (
    ReceiverStore,
    answer,
    check_identity,
    cpo_caller,
    held,
    invalid,
    owned_key,
    read_body,
    unknown,
    url_fields,
)
from evroam_roaming.ocpi.emsp.tariff_objects import Tariff
from evroam_roaming.ocpi.types import InvalidObjectError, parse_object


def router(ctx: OcpiContext, store: ReceiverStore) -> APIRouter:
    api = APIRouter()
    caller_of = cpo_caller(ctx)  # section 1.1: CPOs (and hubs) only
    CallerDep = Annotated[Caller, Depends(caller_of)]
    path = f"/emsp/{VERSION}/tariffs/{{country_code}}/{{party_id}}/{{tariff_id}}"

    @api.get(path)
    async def get_tariff(
        country_code: str, party_id: str, tariff_id: str, caller: CallerDep
    ) -> Response:
        key, routing = await owned_key(ctx, caller, "tariffs", country_code, party_id, tariff_id)
        return held(await store.get(key), "Tariff", ctx.clock(), routing)

    @api.put(path)
    async def put_tariff(
        country_code: str, party_id: str, tariff_id: str, request: Request, caller: CallerDep
    ) -> Response:
        key, routing = await owned_key(ctx, caller, "tariffs", country_code, party_id, tariff_id)
        body = read_body(await request.body(), routing)
        try:
            tariff = parse_object(Tariff, body, "Tariff")
            check_identity(tariff.model_dump(), url_fields(key), "Tariff")
            receipt = await store.put_tariff(caller.partner.partner_id, key, tariff)
        except InvalidObjectError as exc:
            raise invalid(exc, routing) from exc
        return answer(receipt, "Tariff", ctx.clock(), routing)

    @api.delete(path)
    async def delete_tariff(
        country_code: str, party_id: str, tariff_id: str, caller: CallerDep
    ) -> Response:
        key, routing = await owned_key(ctx, caller, "tariffs", country_code, party_id, tariff_id)
        try:
            receipt = await store.delete_tariff(caller.partner.partner_id, key)
        except ObjectNotFoundError as exc:
            raise unknown("Unknown Tariff", routing) from exc
        return answer(receipt, "Tariff", ctx.clock(), routing)

    return api
