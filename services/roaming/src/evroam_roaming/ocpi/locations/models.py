"""Locations as the Sender interface serves them (OCPI 2.2.1 section 3.1), built from the
gateway's registry. Pure; the EVSEs come from `stations`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from evroam_contracts.gateway import LocationRegistered
from evroam_roaming.ocpi.pagination import PageRequest


def location_object(location: LocationRegistered) -> dict[str, Any]:
    """The OCPI Location without `evses` and `last_updated`. Every location in our registry is
    public (`publish` true: private chargers are not registered for roaming); what the
    registry does not know (parking type, facilities, opening times, images, energy mix,
    directions, owner) is left out, all of it optional."""
    data: dict[str, Any] = {
        "country_code": location.country_code,
        "party_id": location.party_id,
        "id": location.location_id,
        "publish": True,
    }
    if location.name:
        data["name"] = location.name
    data |= {"address": location.address, "city": location.city}
    if location.postal_code:
        data["postal_code"] = location.postal_code
    data |= {
        "country": location.country,
        "coordinates": {
            "latitude": location.coordinates.latitude,
            "longitude": location.coordinates.longitude,
        },
        "time_zone": location.time_zone,
    }
    if location.operator_name:
        data["operator"] = {"name": location.operator_name}
    return data


@dataclass(frozen=True)
class StoredEvse:
    """An EVSE as kept: its object without status and last_updated, and those two."""

    evse: Mapping[str, Any]
    status: str
    last_updated: datetime


def evse_to_ocpi(stored: StoredEvse) -> dict[str, Any]:
    return {**stored.evse, "status": stored.status, "last_updated": stored.last_updated}


def location_to_ocpi(
    location: Mapping[str, Any], evses: Sequence[StoredEvse], last_updated: datetime
) -> dict[str, Any]:
    """Removed EVSEs stay, with status REMOVED: OCPI never deletes an EVSE (section 3.1)."""
    return {
        **location,
        "evses": [evse_to_ocpi(e) for e in evses],
        "last_updated": last_updated,
    }


def find_connector(evse: Mapping[str, Any], connector_id: str) -> dict[str, Any] | None:
    """A connector of an OCPI EVSE object by id (a CiString: case does not matter)."""
    for connector in evse.get("connectors", ()):
        if str(connector["id"]).upper() == connector_id.upper():
            return dict(connector)
    return None


class LocationSource(Protocol):
    """Locations as OCPI objects (plain data: datetimes stay typed until rendered)."""

    async def page(self, request: PageRequest) -> tuple[int, Sequence[dict[str, Any]]]:
        """(how many locations match the date filters, those of the requested page),
        ordered by last_updated then id."""
        ...

    async def location(self, location_id: str) -> dict[str, Any] | None: ...

    async def evse(self, location_id: str, evse_uid: str) -> dict[str, Any] | None: ...
