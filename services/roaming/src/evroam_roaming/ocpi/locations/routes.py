"""Locations module, Sender interface (CPO; OCPI 2.2.1 section 3.1):
`GET {locations}?date_from&date_to&offset&limit` and
`GET {locations}/{location_id}[/{evse_uid}[/{connector_id}]]`.

Every partner sees every location (they are all published). An object we do not know is
HTTP 404 with OCPI 2003 "unknown Location" in the envelope (section 1.7: a GET of a resource
that does not exist is a 404; the body still says why, as for tokens).
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.lists import add_list_route
from evroam_roaming.ocpi.locations.models import LocationSource, find_connector
from evroam_roaming.ocpi.pagination import PageRequest

NOT_FOUND = 404


def router(ctx: OcpiContext, locations: LocationSource) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)
    base = f"/cpo/{VERSION}/locations"

    async def fetch(
        party: Party, page: PageRequest, now: datetime
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        return await locations.page(page)  # every partner sees every location

    doc = "A page of our locations, oldest last_updated first."
    add_list_route(api, ctx, "locations", ctx.locations_url, fetch, doc)

    @api.get(base + "/{location_id}")
    async def get_location(
        location_id: str, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        routing = routing_headers(ctx.us, caller.party)
        found = await locations.location(location_id)
        if found is None:
            raise _unknown(f"Unknown location {location_id!r}", routing)
        return _answer(ctx, found, routing)

    @api.get(base + "/{location_id}/{evse_uid}")
    async def get_evse(
        location_id: str, evse_uid: str, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        routing = routing_headers(ctx.us, caller.party)
        found = await locations.evse(location_id, evse_uid)
        if found is None:
            raise _unknown(f"Unknown EVSE {evse_uid!r} of location {location_id!r}", routing)
        return _answer(ctx, found, routing)

    @api.get(base + "/{location_id}/{evse_uid}/{connector_id}")
    async def get_connector(
        location_id: str,
        evse_uid: str,
        connector_id: str,
        caller: Annotated[Caller, Depends(caller_of)],
    ) -> Response:
        routing = routing_headers(ctx.us, caller.party)
        evse = await locations.evse(location_id, evse_uid)
        connector = None if evse is None else find_connector(evse, connector_id)
        if connector is None:
            raise _unknown(
                f"Unknown connector {connector_id!r} of EVSE {evse_uid!r} of location"
                f" {location_id!r}",
                routing,
            )
        return _answer(ctx, connector, routing)

    return api


def _answer(ctx: OcpiContext, data: dict[str, Any], routing: dict[str, str]) -> Response:
    return ocpi_response(render_json(data), ctx.clock(), headers=routing)


def _unknown(message: str, routing: dict[str, str]) -> OcpiError:
    return OcpiError(NOT_FOUND, StatusCode.UNKNOWN_LOCATION, message, routing)
