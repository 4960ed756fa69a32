"""Registry decisions (pure), given the current state, when a request comes, then these
events: creating, replacing, patching locations and stations, adding and removing EVSEs, and
giving a station a password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from evroam_contracts.gateway import (
    Connector,
    Evse,
    LocationRegistered,
    LocationUpdated,
    StationCredentialsSet,
    StationRegistered,
    StationUpdated,
)
from evroam_gateway.domain import registry
from evroam_gateway.domain.registry_errors import (
    EvseNotFoundError,
    LocationNotFoundError,
    LocationOwnerChangedError,
    RegisteredDifferentlyError,
    StationNotFoundError,
    UnknownTimeZoneError,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def location(**changes: Any) -> LocationRegistered:
    fields = {
        "location_id": "LOC-1",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "country": "NLD",
        "coordinates": {"latitude": "52.378900", "longitude": "4.900200"},
        "time_zone": "Europe/Amsterdam",
        "country_code": "NL",
        "party_id": "EVR",
    }
    return LocationRegistered(**fields | changes)


def evse(uid: str, connector: int, **changes: Any) -> Evse:
    plug = Connector(connector_id="1", ocpp_connector_id=connector)
    return Evse(
        **{"evse_uid": uid, "evse_id": f"NL*EVR*E{connector}", "connectors": (plug,)} | changes
    )


def station(*evses: Evse, **changes: Any) -> StationRegistered:
    fields = {"station_id": "CS-1", "location_id": "LOC-1", "evses": evses}
    return StationRegistered(**fields | changes)


def test_a_new_location_is_registered() -> None:
    assert registry.create_location(location(), None) == [location()]


def test_registering_a_location_again_as_it_is_appends_nothing() -> None:
    assert registry.create_location(location(), location()) == []


def test_registering_an_existing_location_otherwise_is_a_conflict() -> None:
    with pytest.raises(RegisteredDifferentlyError):
        registry.create_location(location(city="Utrecht"), location())


def test_a_new_location_breaking_a_rule_is_refused() -> None:
    with pytest.raises(UnknownTimeZoneError):
        registry.create_location(location(time_zone="Nowhere/Land"), None)


def test_replacing_a_location_records_its_whole_new_state() -> None:
    [updated] = registry.replace_location(location(city="Utrecht"), location())
    assert isinstance(updated, LocationUpdated)
    assert updated.to_json_dict() == location(city="Utrecht").to_json_dict()
    assert registry.replace_location(location(), location()) == []


def test_replacing_or_patching_an_unknown_location_is_refused() -> None:
    with pytest.raises(LocationNotFoundError):
        registry.replace_location(location(), None)
    with pytest.raises(LocationNotFoundError):
        registry.patch_location("LOC-1", {"city": "Utrecht"}, None)


@pytest.mark.parametrize("changes", [{"country_code": "BE"}, {"party_id": "ABC"}])
def test_a_location_keeps_its_operator(changes: dict[str, str]) -> None:
    with pytest.raises(LocationOwnerChangedError):
        registry.patch_location("LOC-1", changes, location())


def test_a_patch_keeps_what_it_does_not_name() -> None:
    [updated] = registry.patch_location("LOC-1", {"name": "Depot", "city": "Utrecht"}, location())
    assert (updated.name, updated.city, updated.address) == ("Depot", "Utrecht", "Stationsplein 1")


def test_a_new_station_is_registered_and_a_repeat_appends_nothing() -> None:
    new = station(evse("E1", 1))
    assert registry.create_station(new, None, location()) == [new]
    assert registry.create_station(new, new, location()) == []
    with pytest.raises(RegisteredDifferentlyError):
        registry.create_station(station(), new, location())


def test_replacing_a_station_records_station_updated_and_unknown_ones_are_refused() -> None:
    [updated] = registry.replace_station(station(evse("E1", 1)), station(), location())
    assert isinstance(updated, StationUpdated)
    with pytest.raises(StationNotFoundError):
        registry.replace_station(station(), None, location())


def test_put_evse_adds_a_new_one_at_the_end() -> None:
    [updated] = registry.put_evse("CS-1", evse("E2", 2), station(evse("E1", 1)), location())
    assert [e.evse_uid for e in updated.evses] == ["E1", "E2"]


def test_put_evse_replaces_the_one_with_its_uid_in_place() -> None:
    current = station(evse("E1", 1), evse("E2", 2))
    [updated] = registry.put_evse("CS-1", evse("E1", 3), current, location())
    assert [(e.evse_uid, e.connectors[0].ocpp_connector_id) for e in updated.evses] == [
        ("E1", 3),
        ("E2", 2),
    ]
    assert registry.put_evse("CS-1", evse("E1", 3), updated, location()) == []


def test_removing_an_evse_keeps_the_others_ocpp_numbers() -> None:
    current = station(evse("E1", 1), evse("E2", 2), evse("E3", 3, ocpp_evse_id=7))
    [updated] = registry.remove_evse("CS-1", "E1", current, location())
    assert [(e.evse_uid, e.ocpp_evse_id) for e in updated.evses] == [("E2", 2), ("E3", 7)]


def test_removing_an_unknown_evse_or_from_an_unknown_station_is_refused() -> None:
    with pytest.raises(EvseNotFoundError):
        registry.remove_evse("CS-1", "E9", station(evse("E1", 1)), location())
    with pytest.raises(StationNotFoundError):
        registry.remove_evse("CS-1", "E1", None, location())
    with pytest.raises(StationNotFoundError):
        registry.put_evse("CS-1", evse("E1", 1), None, location())


def test_a_registered_station_gets_credentials_recorded_without_the_secret() -> None:
    [event] = registry.set_credentials("CS-1", station(), 2, NOW)
    assert event == StationCredentialsSet(station_id="CS-1", security_profile=2, set_at=NOW)
    assert set(event.to_json_dict()) == {"station_id", "security_profile", "set_at"}
    with pytest.raises(StationNotFoundError):
        registry.set_credentials("CS-9", None, 1, NOW)
