"""Locations module, Receiver interface (we are the eMSP; OCPI 2.2.1 section 3.1):
`GET|PUT|PATCH {locations}/{country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]`.

A PUT carries a whole Location, EVSE or Connector; a PATCH the fields that changed and
`last_updated`. An EVSE or connector changed alone moves its parents' `last_updated`. POST and
DELETE are not offered (section 3.1: nothing is deleted, an EVSE becomes REMOVED).
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_roaming.domain.received import ObjectKey, ObjectNotFoundError, Receipt
from evroam_roaming.domain.received_locations import find_connector, find_evse
from evroam_roaming.ocpi.auth import Caller
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.emsp.location_objects import EVSE, Connector, Location
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
from evroam_roaming.ocpi.envelope import StatusCode
from evroam_roaming.ocpi.types import InvalidObjectError, OcpiObject, parse_object


@dataclass(frozen=True)
class _Target:
    """The Location, EVSE or Connector a URL names."""

    key: ObjectKey
    evse_uid: str | None
    connector_id: str | None

    @property
    def what(self) -> str:
        return (
            "Location"
            if self.evse_uid is None
            else "EVSE"
            if not self.connector_id
            else "Connector"
        )

    def url_fields(self) -> dict[str, str]:
        """Fields of a body that must equal the URL's (section 1.3)."""
        if self.connector_id is not None:
            return {"id": self.connector_id}
        if self.evse_uid is not None:
            return {"uid": self.evse_uid}
        return url_fields(self.key)


def router(ctx: OcpiContext, store: ReceiverStore) -> APIRouter:
    api = APIRouter()
    caller_of = cpo_caller(ctx)  # section 1.1: CPOs (and hubs) only
    CallerDep = Annotated[Caller, Depends(caller_of)]

    async def target(request: Request, caller: Caller) -> tuple[_Target, dict[str, str]]:
        p = request.path_params
        key, routing = await owned_key(
            ctx, caller, "locations", p["country_code"], p["party_id"], p["location_id"]
        )
        return _Target(key, p.get("evse_uid"), p.get("connector_id")), routing

    async def get_object(request: Request, caller: CallerDep) -> Response:
        """The Location, EVSE or Connector as we hold it (the CPO checks what we have)."""
        t, routing = await target(request, caller)
        found = await store.get(t.key)
        if found is not None and t.evse_uid is not None:
            found = find_evse(found, t.evse_uid)
        if found is not None and t.connector_id is not None:
            found = find_connector(found, t.connector_id)
        return held(found, t.what, ctx.clock(), routing, StatusCode.UNKNOWN_LOCATION)

    async def put_object(request: Request, caller: CallerDep) -> Response:
        t, routing = await target(request, caller)
        body = read_body(await request.body(), routing)
        try:
            receipt = await _put(store, caller.partner.partner_id, t, body)
        except InvalidObjectError as exc:
            raise invalid(exc, routing) from exc
        except ObjectNotFoundError as exc:
            raise unknown(str(exc), routing, StatusCode.UNKNOWN_LOCATION) from exc
        return answer(receipt, t.what, ctx.clock(), routing)

    async def patch_object(request: Request, caller: CallerDep) -> Response:
        t, routing = await target(request, caller)
        body = read_body(await request.body(), routing)
        models: dict[str, type[OcpiObject]] = {
            "Location": Location,
            "EVSE": EVSE,
            "Connector": Connector,
        }
        model = models[t.what]
        try:
            patch = check_patch(model, body, t.what)
            check_identity(patch, t.url_fields(), t.what)
            receipt = await store.patch_location(
                caller.partner.partner_id, t.key, patch, t.evse_uid, t.connector_id
            )
        except InvalidObjectError as exc:
            raise invalid(exc, routing) from exc
        except ObjectNotFoundError as exc:
            raise unknown(
                f"Unknown {t.what}: PUT it first", routing, StatusCode.UNKNOWN_LOCATION
            ) from exc
        return answer(receipt, t.what, ctx.clock(), routing)

    base = f"/emsp/{VERSION}/locations/{{country_code}}/{{party_id}}/{{location_id}}"
    for path in (base, f"{base}/{{evse_uid}}", f"{base}/{{evse_uid}}/{{connector_id}}"):
        api.add_api_route(path, get_object, methods=["GET"])
        api.add_api_route(path, put_object, methods=["PUT"])
        api.add_api_route(path, patch_object, methods=["PATCH"])
    return api


async def _put(store: ReceiverStore, partner_id: str, t: _Target, body: Any) -> Receipt:
    if t.evse_uid is None:
        location = parse_object(Location, body, "Location")
        check_identity(body, t.url_fields(), "Location")
        return await store.put_location(partner_id, t.key, location)
    if t.connector_id is None:
        evse = parse_object(EVSE, body, "EVSE")
        check_identity(body, t.url_fields(), "EVSE")
        return await store.put_evse(partner_id, t.key, evse)
    connector = parse_object(Connector, body, "Connector")
    check_identity(body, t.url_fields(), "Connector")
    return await store.put_connector(partner_id, t.key, t.evse_uid, connector)
