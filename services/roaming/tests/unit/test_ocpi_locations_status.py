"""EVSE status and EVSE objects from the gateway's station events (OCPI 2.2.1 section 3.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from evroam_contracts.gateway import (
    Connector,
    Evse,
    LocationRegistered,
    StationConnected,
    StationDisconnected,
    StationRegistered,
    StationStatusChanged,
)
from evroam_contracts.shared import GeoLocation
from evroam_roaming.ocpi.locations.models import find_connector, location_object
from evroam_roaming.ocpi.locations.stations import (
    StationState,
    evolve_station,
    evse_status,
    station_evses,
)

AT = datetime(2024, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ocpp", "ocpi"),
    [
        ("AVAILABLE", "AVAILABLE"),
        ("PREPARING", "CHARGING"),
        ("CHARGING", "CHARGING"),
        ("SUSPENDED_EV", "CHARGING"),
        ("SUSPENDED_EVSE", "CHARGING"),
        ("OCCUPIED", "CHARGING"),  # OCPP 2.0.1
        ("FINISHING", "BLOCKED"),
        ("RESERVED", "RESERVED"),
        ("UNAVAILABLE", "INOPERATIVE"),
        ("FAULTED", "OUTOFORDER"),
        (None, "UNKNOWN"),
    ],
)
def test_each_ocpp_connector_status_has_its_ocpi_evse_status(ocpp: str | None, ocpi: str) -> None:
    assert evse_status([ocpp]) == ocpi


def test_the_busiest_connector_speaks_for_its_evse() -> None:
    assert evse_status(["AVAILABLE", "CHARGING"]) == "CHARGING"
    assert evse_status(["FAULTED", "AVAILABLE"]) == "AVAILABLE"  # the other still works
    assert evse_status(["FAULTED", "UNAVAILABLE"]) == "INOPERATIVE"
    assert evse_status(["FAULTED", None]) == "OUTOFORDER"
    assert evse_status([]) == "UNKNOWN"


def test_a_station_that_is_down_takes_its_idle_evses_with_it_and_offline_is_unknown() -> None:
    assert evse_status(["AVAILABLE"], station_status="FAULTED") == "OUTOFORDER"
    assert evse_status([None], station_status="UNAVAILABLE") == "INOPERATIVE"
    assert evse_status(["CHARGING"], station_status="FAULTED") == "CHARGING"
    assert evse_status(["AVAILABLE"], station_status="AVAILABLE") == "AVAILABLE"
    assert evse_status(["CHARGING"], online=False) == "UNKNOWN"
    assert evse_status(["CHARGING"], online=True) == "CHARGING"


def connector(number: int) -> Connector:
    return Connector(connector_id=str(number), ocpp_connector_id=number)


def registered() -> StationState:
    station = StationRegistered(
        station_id="CS1",
        location_id="LOC1",
        evses=(
            Evse(evse_uid="E1", evse_id="NL*EVR*E1", connectors=(connector(1), connector(2))),
            Evse(evse_uid="E2", evse_id="NL*EVR*E2", connectors=(connector(3),)),
        ),
    )
    return evolve_station(StationState(station_id="CS1"), station)


def changed(connector_id: int, status: str, **where: Any) -> StationStatusChanged:
    return StationStatusChanged(
        station_id="CS1", ocpp_connector_id=connector_id, status=status, received_at=AT, **where
    )


def statuses(state: StationState) -> list[tuple[str, str]]:
    return [(v.uid, v.status) for v in station_evses(state, {}, "2024-05-01T10:00:00Z")]


def test_status_notifications_fold_into_the_evse_they_concern() -> None:
    state = registered()
    assert statuses(state) == [("E1", "UNKNOWN"), ("E2", "UNKNOWN")]
    state = evolve_station(state, changed(2, "CHARGING", evse_uid="E1"))
    state = evolve_station(state, changed(3, "AVAILABLE", evse_uid="E2", ocpp_evse_id=2))
    assert statuses(state) == [("E1", "CHARGING"), ("E2", "AVAILABLE")]


def test_connector_zero_of_1_6_and_evse_zero_of_2_0_1_are_the_station_itself() -> None:
    state = evolve_station(registered(), changed(0, "FAULTED"))
    assert state.station_status == "FAULTED"
    state = evolve_station(state, changed(0, "AVAILABLE", ocpp_evse_id=0))
    assert state.station_status == "AVAILABLE"


def test_a_connector_the_registry_did_not_know_changes_nothing() -> None:
    # OCPP 2.0.1 EVSE 7 the gateway could not resolve: no EVSE uid, connector number 0.
    state = registered()
    assert evolve_station(state, changed(0, "FAULTED", ocpp_evse_id=7)) == state
    assert evolve_station(state, changed(9, "FAULTED")) == state


def test_only_the_replica_holding_the_socket_can_take_the_station_offline() -> None:
    state = evolve_station(
        registered(),
        StationConnected(station_id="CS1", ocpp_version="2.0.1", replica="b", connected_at=AT),
    )
    stale = StationDisconnected(station_id="CS1", replica="a", disconnected_at=AT)
    assert evolve_station(state, stale).online is True
    lost = StationDisconnected(station_id="CS1", replica="b", disconnected_at=AT)
    assert evolve_station(state, lost).online is False


def test_the_state_survives_its_json() -> None:
    state = evolve_station(registered(), changed(2, "CHARGING", evse_uid="E1"))
    assert StationState.model_validate_json(state.model_dump_json()) == state


def test_a_connector_keeps_its_last_updated_until_it_changes() -> None:
    state = registered()
    [first, _] = station_evses(state, {}, "T1")
    assert first.evse["connectors"][0] == {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 400,
        "max_amperage": 32,
        "max_electric_power": 22000,
        "last_updated": "T1",
    }
    bigger = Connector(connector_id="2", ocpp_connector_id=2, max_amperage_a=63)
    evse = state.evses[0].model_copy(update={"connectors": (connector(1), bigger)})
    after = state.model_copy(update={"evses": (evse, state.evses[1])})
    [again, _] = station_evses(after, {("LOC1", "E1"): first.evse}, "T2")
    assert [c["last_updated"] for c in again.evse["connectors"]] == ["T1", "T2"]


def test_a_location_is_a_published_ocpi_location_without_what_we_do_not_know() -> None:
    location = LocationRegistered(
        location_id="LOC1",
        address="Stationsplein 1",
        city="Amsterdam",
        country="NLD",
        coordinates=GeoLocation(latitude="52.378900", longitude="4.900000"),
        time_zone="Europe/Amsterdam",
        country_code="NL",
        party_id="EVR",
    )
    assert location_object(location) == {
        "country_code": "NL",
        "party_id": "EVR",
        "id": "LOC1",
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "country": "NLD",
        "coordinates": {"latitude": "52.378900", "longitude": "4.900000"},
        "time_zone": "Europe/Amsterdam",
    }


def test_connectors_are_found_whatever_the_case_of_their_id() -> None:
    evse = {"connectors": [{"id": "a1"}, {"id": "B2"}]}
    assert find_connector(evse, "b2") == {"id": "B2"}
    assert find_connector(evse, "c3") is None
