"""What every eMSP Receiver route does (OCPI 2.2.1 sections 1.3, 1.7, 3.1-3.4): check that the
caller is a CPO (or a hub), read the body, check that the caller may write under the owner the
URL names, check a PATCH, and answer.

Status codes (docs/adr/0020-emsp-receivers-and-pulling.md, 0024-emsp-receivers-accept-only-
cpos.md):
- a caller admitted with another role than CPO or HUB: HTTP 403 + OCPI 2000, whatever it asks
  (section 1.1: these interfaces are the CPO's to call; the same refusal as the Commands
  Receiver's and the Tokens Sender's);
- not JSON: HTTP 400 + OCPI 2001; JSON that is not a valid object or PATCH: HTTP 200 + OCPI
  2001 with the reason (section 1.7: a request that reached the OCPI layer gets an envelope,
  not an HTTP error; the same rule as every other module of ours);
- an owner in the URL (or a CDR's owner) the caller may not speak for: HTTP 404 + OCPI 2001,
  the same answer whether such an object exists or not (section 1.3 allows the 404);
- a Session or CDR whose `cdr_token` is not of one of our eMSP parties: HTTP 200 + OCPI 2001
  (an invalid object for us: billing would invoice our drivers for it);
- an object we never received: HTTP 404 + OCPI 2003 for Locations, EVSEs and connectors
  (unknown Location), OCPI 2000 for sessions, CDRs and tariffs (no code of their own);
- a change older than what we hold: HTTP 200 + OCPI 1000, nothing changed (message says so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.domain.partners import CPO_SIDE, Partner, Party
from evroam_roaming.domain.received import Module, ObjectKey, OcpiData, Receipt
from evroam_roaming.ocpi.auth import Caller, PartnerDirectory, authenticate
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.emsp.cdr_objects import CDR
from evroam_roaming.ocpi.emsp.location_objects import EVSE, Connector, Location
from evroam_roaming.ocpi.emsp.session_objects import Session
from evroam_roaming.ocpi.emsp.tariff_objects import Tariff
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.roles import CallerOf, caller_in_role
from evroam_roaming.ocpi.types import (
    DateTime,
    InvalidObjectError,
    OcpiObject,
)

OK, CREATED, BAD_REQUEST, NOT_FOUND = 200, 201, 400, 404
Patch = Mapping[str, Any]


class ReceiverStore(Protocol):
    """The eMSP Receivers' storage (handlers/emsp_receiver.py)."""

    async def get(self, key: ObjectKey) -> OcpiData | None: ...

    async def put_location(
        self, partner_id: str, key: ObjectKey, location: Location
    ) -> Receipt: ...

    async def put_evse(self, partner_id: str, key: ObjectKey, evse: EVSE) -> Receipt: ...

    async def put_connector(
        self, partner_id: str, key: ObjectKey, evse_uid: str, connector: Connector
    ) -> Receipt: ...

    async def patch_location(
        self,
        partner_id: str,
        key: ObjectKey,
        patch: Patch,
        evse_uid: str | None = None,
        connector_id: str | None = None,
    ) -> Receipt: ...

    async def put_session(self, partner_id: str, key: ObjectKey, session: Session) -> Receipt: ...

    async def patch_session(self, partner_id: str, key: ObjectKey, patch: Patch) -> Receipt: ...

    async def post_cdr(self, partner_id: str, key: ObjectKey, cdr: CDR) -> Receipt: ...

    async def put_tariff(self, partner_id: str, key: ObjectKey, tariff: Tariff) -> Receipt: ...

    async def delete_tariff(self, partner_id: str, key: ObjectKey) -> Receipt: ...


def cpo_caller(ctx: OcpiContext) -> CallerOf:
    """The caller of a Receiver of CPO-owned objects: a platform admitted as CPO, or a hub
    relaying for one (section 1.1); an eMSP's platform gets 403 before anything is read."""
    refusal = "only a CPO (or a hub) sends us Locations, Sessions, CDRs and Tariffs"
    return caller_in_role(ctx.us, authenticate(ctx.partners), CPO_SIDE, refusal)


async def may_own(
    directory: PartnerDirectory, partner: Partner, speaks_for: Party, owner: Party
) -> bool:
    """A platform writes the objects of the party it speaks for; a hub also those of its
    CONNECTED clients, which it broadcasts under their owner's URL (section 1.5)."""
    if owner == speaks_for:
        return True
    return partner.role == "HUB" and await directory.hub_client_connected(partner.partner_id, owner)


async def check_owner(
    directory: PartnerDirectory, caller: Caller, owner: Party, routing: dict[str, str]
) -> None:
    if not await may_own(directory, caller.partner, caller.party, owner):
        raise OcpiError(
            NOT_FOUND,
            StatusCode.INVALID_OR_MISSING_PARAMETERS,
            f"{owner.country_code}*{owner.party_id} is not a party of your platform",
            routing,
        )


async def owned_key(
    ctx: OcpiContext, caller: Caller, module: Module, country_code: str, party_id: str, id_: str
) -> tuple[ObjectKey, dict[str, str]]:
    """The object a URL names, and the routing headers of every answer about it; HTTP 404
    first when the caller may not speak for the URL's owner (check_owner)."""
    routing = routing_headers(ctx.us, caller.party)
    await check_owner(ctx.partners, caller, Party.of(country_code, party_id), routing)
    return ObjectKey.of(module, country_code, party_id, id_), routing


def url_fields(key: ObjectKey) -> dict[str, str]:
    """The fields of an object's body that must equal its URL's (section 1.3)."""
    return {"country_code": key.owner.country_code, "party_id": key.owner.party_id, "id": key.id}


def read_body(raw: bytes, routing: dict[str, str]) -> object:
    """The body as JSON, numbers as Decimal (exact); not JSON is HTTP 400 (section 1.7)."""
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise OcpiError(
            BAD_REQUEST,
            StatusCode.INVALID_OR_MISSING_PARAMETERS,
            f"body is not JSON: {exc}",
            routing,
        ) from exc


class _LastUpdated(OcpiObject):
    last_updated: DateTime


def check_patch(model: type[OcpiObject], data: object, what: str) -> dict[str, Any]:
    """A PATCH body (section 1.3): an object of `model`'s fields including `last_updated` (an
    OCPI DateTime); a PATCH cannot delete, so no field may be null. The object after the
    PATCH is validated as a whole."""
    if not isinstance(data, Mapping):
        raise InvalidObjectError(f"a {what} PATCH must be a JSON object")
    if "last_updated" not in data:
        raise InvalidObjectError(f"invalid {what} PATCH: missing required field: last_updated")
    try:
        _LastUpdated.model_validate({"last_updated": data["last_updated"]})
    except ValueError as exc:
        raise InvalidObjectError(f"invalid {what} PATCH: last_updated: {exc}") from exc
    unknown = sorted(set(data) - set(model.model_fields))
    if unknown:
        raise InvalidObjectError(f"invalid {what} PATCH: not {what} fields: {', '.join(unknown)}")
    nulls = sorted(k for k, v in data.items() if v is None)
    if nulls:
        raise InvalidObjectError(
            f"invalid {what} PATCH: a PATCH cannot remove fields (null): {', '.join(nulls)}"
        )
    return dict(data)


def check_identity(data: Mapping[str, Any], url: Mapping[str, str], what: str) -> None:
    """Section 1.3: the owner and id in a body must be those of the URL (CiStrings)."""
    differ = [k for k, v in url.items() if k in data and str(data[k]).upper() != v.upper()]
    if differ:
        raise InvalidObjectError(f"{what} differs from the URL in: {', '.join(differ)}")


def invalid(exc: ValueError, routing: dict[str, str]) -> OcpiError:
    """InvalidObjectError, or NotOurTokenError: HTTP 200 + OCPI 2001 with the reason."""
    return OcpiError(OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, str(exc), routing)


def unknown(
    message: str, routing: dict[str, str], code: StatusCode = StatusCode.CLIENT_ERROR
) -> OcpiError:
    return OcpiError(NOT_FOUND, code, message, routing)


def held(
    found: OcpiData | None,
    what: str,
    timestamp: datetime,
    routing: dict[str, str],
    code: StatusCode = StatusCode.CLIENT_ERROR,
) -> Response:
    """A GET's answer: the object as we hold it, or HTTP 404 with `code`."""
    if found is None:
        raise unknown(f"Unknown {what}", routing, code)
    return ocpi_response(render_json(found), timestamp, headers=routing)


_MESSAGES = {
    Receipt.CREATED: "{} created",
    Receipt.UPDATED: "{} updated",
    Receipt.UNCHANGED: "{} unchanged",
    Receipt.STALE: "Ignored: the {} we hold has a newer last_updated",
    Receipt.DELETED: "{} deleted",
}


def answer(
    receipt: Receipt, what: str, timestamp: datetime, routing: dict[str, str], **headers: str
) -> Response:
    """Section 1.7: 201 when the object is new, 200 otherwise; never `data` (section 1.6)."""
    return ocpi_response(
        None,
        timestamp,
        status_message=_MESSAGES[receipt].format(what),
        http_status=CREATED if receipt is Receipt.CREATED else OK,
        headers={**routing, **headers},
    )
