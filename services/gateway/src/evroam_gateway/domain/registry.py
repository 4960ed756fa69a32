"""The station and location registry: what may be registered. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evroam_contracts.gateway import Evse, LocationRegistered, StationRegistered
from evroam_contracts.shared import LocationSnapshot


class UnknownTimeZoneError(ValueError):
    """A location's time zone is not an IANA zone name."""


class UnknownLocationError(LookupError):
    """A station names a location that was never registered."""


class DuplicateConnectorError(ValueError):
    """Two connectors of one station share an OCPP connector id."""


class UnknownConnectorError(LookupError):
    """A station reported a connector id that is not in the registry."""


def register_location(event: LocationRegistered) -> list[LocationRegistered]:
    try:
        ZoneInfo(event.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZoneError(f"unknown time zone {event.time_zone!r}") from exc
    return [event]


def register_station(event: StationRegistered, location_known: bool) -> list[StationRegistered]:
    if not location_known:
        raise UnknownLocationError(f"location {event.location_id} is not registered")
    ids = [c.ocpp_connector_id for e in event.evses for c in e.connectors]
    if len(ids) != len(set(ids)):
        raise DuplicateConnectorError(f"station {event.station_id}: duplicate connector ids {ids}")
    return [event]


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
