"""The station and location registry: what may be registered and how it may change. Pure.

A location (stream `location-<id>`) and a station (stream `station-<id>`) are aggregates
whose every registry event carries the whole new state, so their state is the latest such
event. Each decision takes that state (None when never registered) and answers the events to
append: none when the request changes nothing, so a repeated request is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evroam_contracts.gateway import (
    Evse,
    LocationRegistered,
    LocationUpdated,
    StationCredentialsSet,
    StationRegistered,
    StationUpdated,
)
from evroam_contracts.shared import LocationSnapshot
from evroam_gateway.domain.registry_errors import (
    EvseNotFoundError,
    LocationNotFoundError,
    LocationOwnerChangedError,
    RegisteredDifferentlyError,
    StationNotFoundError,
    UnknownConnectorError,
)
from evroam_gateway.domain.registry_rules import (
    check_location,
    check_security_profile,
    check_station,
    ocpp_evse_id,
)


def _same(
    a: LocationRegistered | StationRegistered, b: LocationRegistered | StationRegistered
) -> bool:
    return a.to_json_dict() == b.to_json_dict()


def create_location(
    new: LocationRegistered, current: LocationRegistered | None
) -> list[LocationRegistered]:
    if current is not None:
        if _same(new, current):
            return []
        raise RegisteredDifferentlyError(
            f"location {new.location_id} exists with other values; PUT or PATCH changes it"
        )
    check_location(new)
    return [new]


def replace_location(
    new: LocationRegistered, current: LocationRegistered | None
) -> list[LocationUpdated]:
    if current is None:
        raise LocationNotFoundError(f"location {new.location_id} is not registered")
    if _same(new, current):
        return []
    check_location(new)
    # Stations check their EVSE ids against the location's operator; keeping it fixed means
    # no change of a location can make one of its stations wrong.
    for name in ("country_code", "party_id"):
        if getattr(new, name).upper() != getattr(current, name).upper():
            raise LocationOwnerChangedError(
                f"{name} of location {new.location_id} cannot change: its stations' EVSE ids"
                f" carry {getattr(current, name)!r}",
                (name,),
            )
    return [LocationUpdated.model_validate(new.model_dump())]


def patch_location(
    location_id: str, changes: Mapping[str, Any], current: LocationRegistered | None
) -> list[LocationUpdated]:
    if current is None:
        raise LocationNotFoundError(f"location {location_id} is not registered")
    new = LocationRegistered.model_validate(current.model_dump() | dict(changes))
    return replace_location(new, current)


def create_station(
    new: StationRegistered, current: StationRegistered | None, location: LocationRegistered | None
) -> list[StationRegistered]:
    if current is not None:
        if _same(new, current):
            return []
        raise RegisteredDifferentlyError(
            f"station {new.station_id} exists with other values; PUT changes it"
        )
    check_station(new, location)
    return [new]


def replace_station(
    new: StationRegistered, current: StationRegistered | None, location: LocationRegistered | None
) -> list[StationUpdated]:
    if current is None:
        raise StationNotFoundError(f"station {new.station_id} is not registered")
    if _same(new, current):
        return []
    check_station(new, location)
    return [StationUpdated.model_validate(new.model_dump())]


def put_evse(
    station_id: str,
    evse: Evse,
    current: StationRegistered | None,
    location: LocationRegistered | None,
) -> list[StationUpdated]:
    """Add the EVSE at the end, or put it in place of the one with its evse_uid (so an EVSE
    numbered by its position keeps its number)."""
    found = require_station(station_id, current)
    uids = [e.evse_uid for e in found.evses]
    evses = list(found.evses)
    if evse.evse_uid in uids:
        evses[uids.index(evse.evse_uid)] = evse
    else:
        evses.append(evse)
    return replace_station(found.model_copy(update={"evses": tuple(evses)}), found, location)


def remove_evse(
    station_id: str,
    evse_uid: str,
    current: StationRegistered | None,
    location: LocationRegistered | None,
) -> list[StationUpdated]:
    found = require_station(station_id, current)
    if evse_uid not in {e.evse_uid for e in found.evses}:
        raise EvseNotFoundError(f"station {station_id} has no EVSE {evse_uid}")
    # An EVSE numbered by its position keeps its number: removing another one must not
    # renumber it under the stations that address it so.
    kept = tuple(
        e.model_copy(update={"ocpp_evse_id": ocpp_evse_id(found.evses, i)})
        for i, e in enumerate(found.evses)
        if e.evse_uid != evse_uid
    )
    return replace_station(found.model_copy(update={"evses": kept}), found, location)


def require_station(station_id: str, current: StationRegistered | None) -> StationRegistered:
    if current is None:
        raise StationNotFoundError(f"station {station_id} is not registered")
    return current


def set_credentials(
    station_id: str, current: StationRegistered | None, security_profile: int, now: datetime
) -> list[StationCredentialsSet]:
    """The station's password was replaced (the event carries no secret)."""
    require_station(station_id, current)
    check_security_profile(security_profile)
    return [
        StationCredentialsSet(station_id=station_id, security_profile=security_profile, set_at=now)
    ]


# ---- what station traffic needs ----------------------------------------------------------


def location_snapshot(
    location: Mapping[str, Any], evses: list[Evse], ocpp_connector_id: int
) -> LocationSnapshot:
    """Where a transaction on `ocpp_connector_id` takes place, frozen for its session."""
    for evse in evses:
        for c in evse.connectors:
            if c.ocpp_connector_id == ocpp_connector_id:
                return LocationSnapshot(
                    id=location["location_id"],
                    name=location.get("name"),
                    address=location["address"],
                    city=location["city"],
                    postal_code=location.get("postal_code"),
                    country=location["country"],
                    coordinates=location["coordinates"],
                    time_zone=location["time_zone"],
                    country_code=location["country_code"],
                    party_id=location["party_id"],
                    evse_uid=evse.evse_uid,
                    evse_id=evse.evse_id,
                    connector_id=c.connector_id,
                    connector_standard=c.standard,
                    connector_format=c.format,
                    connector_power_type=c.power_type,
                )
    raise UnknownConnectorError(f"connector {ocpp_connector_id} is not registered")
