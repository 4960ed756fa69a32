"""The rules every registered location and station keeps (pure): one error per rule, each
naming the field at fault."""

from __future__ import annotations

from typing import Any

import pytest

from evroam_contracts.gateway import Connector, Evse, LocationRegistered, StationRegistered
from evroam_gateway.domain.registry_errors import (
    DuplicateConnectorError,
    DuplicateEvseUidError,
    DuplicateOcppEvseIdError,
    EvseIdOfOtherPartyError,
    EvseWithoutConnectorsError,
    InvalidCoordinatesError,
    InvalidEvseIdError,
    InvalidPasswordError,
    InvalidSecurityProfileError,
    InvalidStationIdError,
    RegistryRuleError,
    UnknownLocationError,
    UnknownTimeZoneError,
)
from evroam_gateway.domain.registry_rules import (
    canonical_password,
    check_location,
    check_password,
    check_security_profile,
    check_station,
    check_station_id,
)


def location(**changes: Any) -> LocationRegistered:
    return LocationRegistered(
        **{
            "location_id": "LOC-1",
            "address": "Stationsplein 1",
            "city": "Amsterdam",
            "country": "NLD",
            "coordinates": {"latitude": "52.378900", "longitude": "4.900200"},
            "time_zone": "Europe/Amsterdam",
            "country_code": "NL",
            "party_id": "EVR",
        }
        | changes
    )


def evse(uid: str = "E1", *connectors: int, **changes: Any) -> Evse:
    plugs = tuple(Connector(connector_id=str(n), ocpp_connector_id=n) for n in connectors or (1,))
    fields = {"evse_uid": uid, "evse_id": "NL*EVR*E1*1", "connectors": plugs} | changes
    return Evse(**fields)


def station(*evses: Evse, **changes: Any) -> StationRegistered:
    fields = {"station_id": "CS-1", "location_id": "LOC-1", "evses": evses or (evse(),)}
    return StationRegistered(**fields | changes)


def refused(error: type[RegistryRuleError], check: Any, *args: Any) -> RegistryRuleError:
    with pytest.raises(error) as caught:
        check(*args)
    return caught.value


@pytest.mark.parametrize(
    "coordinates",
    [
        {"latitude": "52.378900", "longitude": "4.900200"},
        {"latitude": "-90.00000", "longitude": "180.0000000"},
        {"latitude": "0.12345", "longitude": "-179.12345"},
    ],
)
def test_a_location_in_an_iana_zone_with_ocpi_coordinates_is_accepted(
    coordinates: dict[str, str],
) -> None:
    check_location(location(coordinates=coordinates, time_zone="America/Argentina/Salta"))


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "CEST", "", "../etc/passwd"])
def test_a_time_zone_that_is_not_an_iana_name_is_refused(zone: str) -> None:
    assert refused(UnknownTimeZoneError, check_location, location(time_zone=zone)).field == (
        "time_zone",
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("52.3789", "4.900200", "latitude"),  # 4 decimals
        ("52.37890001", "4.900200", "latitude"),  # 8 decimals
        ("52,378900", "4.900200", "latitude"),
        ("90.000001", "4.900200", "latitude"),
        ("52.378900", "180.00001", "longitude"),
        ("52.378900", "1000.00000", "longitude"),
        ("52.378900", "4", "longitude"),
    ],
)
def test_coordinates_that_are_not_ocpi_strings_in_range_are_refused(
    latitude: str, longitude: str, field: str
) -> None:
    where = {"latitude": latitude, "longitude": longitude}
    error = refused(InvalidCoordinatesError, check_location, location(coordinates=where))
    assert error.field == ("coordinates", field)


@pytest.mark.parametrize("station_id", ["CS-1", "RDAM 123", "x" * 48, "é-station"])
def test_a_station_id_of_at_most_48_characters_without_a_colon_is_accepted(
    station_id: str,
) -> None:
    check_station_id(station_id)


@pytest.mark.parametrize("station_id", ["", "x" * 49, "CS:1", "CS/1", "CS\n1"])
def test_a_station_id_that_cannot_be_an_ocpp_identity_is_refused(station_id: str) -> None:
    refused(InvalidStationIdError, check_station_id, station_id)


@pytest.mark.parametrize(
    "evse_id", ["NL*EVR*E1*1", "NLEVRE1", "NL*EVR*E12345*1*2", "NLEVR*E" + "A" * 30]
)
def test_emi3_evse_ids_of_the_locations_operator_are_accepted(evse_id: str) -> None:
    check_station(station(evse(evse_id=evse_id)), location())


@pytest.mark.parametrize(
    ("evse_id", "error"),
    [
        ("NL*EVR*1", InvalidEvseIdError),  # no "E"
        ("nl*evr*E1", InvalidEvseIdError),
        ("NL-EVR-E1", InvalidEvseIdError),
        ("NL*EVR*E" + "1" * 31, InvalidEvseIdError),
        ("DE*EVR*E1", EvseIdOfOtherPartyError),
        ("NL*ABC*E1", EvseIdOfOtherPartyError),
    ],
)
def test_an_evse_id_not_in_emi3_form_or_of_another_operator_is_refused(
    evse_id: str, error: type[RegistryRuleError]
) -> None:
    at_fault = refused(error, check_station, station(evse(evse_id=evse_id)), location())
    assert at_fault.field == ("evses", 0, "evse_id")


def test_the_evse_id_prefix_compares_with_the_location_whatever_its_case() -> None:
    check_station(station(), location(country_code="nl", party_id="evr"))


def test_a_station_at_an_unknown_location_is_refused() -> None:
    assert refused(UnknownLocationError, check_station, station(), None).field == ("location_id",)


@pytest.mark.parametrize(
    ("evses", "error", "field"),
    [
        ((evse("E1", 1), evse("E1", 2)), DuplicateEvseUidError, ("evses", 1, "evse_uid")),
        (
            (evse("E1", 1), evse("E2", 2, ocpp_evse_id=1)),
            DuplicateOcppEvseIdError,
            ("evses", 1, "ocpp_evse_id"),
        ),
        (
            (evse("E1", 1, ocpp_evse_id=2), evse("E2", 2)),  # the second is 2 by position
            DuplicateOcppEvseIdError,
            ("evses", 1, "ocpp_evse_id"),
        ),
        (
            (evse("E1", 1, 2), evse("E2", 3, 2)),
            DuplicateConnectorError,
            ("evses", 1, "connectors", 1, "ocpp_connector_id"),
        ),
        ((evse("E1", connectors=()),), EvseWithoutConnectorsError, ("evses", 0, "connectors")),
    ],
)
def test_ids_used_twice_in_a_station_or_an_evse_without_connectors_are_refused(
    evses: tuple[Evse, ...], error: type[RegistryRuleError], field: tuple[Any, ...]
) -> None:
    assert refused(error, check_station, station(*evses), location()).field == field


def test_explicit_ocpp_evse_ids_may_differ_from_the_positions() -> None:
    check_station(station(evse("E1", 1, ocpp_evse_id=2), evse("E2", 2, ocpp_evse_id=1)), location())


@pytest.mark.parametrize("password", ["p" * 16, "p" * 40, "pässwörd-with-ümläuts"])
def test_a_password_of_16_to_40_characters_is_accepted(password: str) -> None:
    assert check_password(password) == password


@pytest.mark.parametrize("password", ["p" * 15, "p" * 41, "sixteen-chars\tok", ""])
def test_a_password_too_short_too_long_or_with_a_control_character_is_refused_unrepeated(
    password: str,
) -> None:
    error = refused(InvalidPasswordError, check_password, password)
    assert error.field == ("password",)
    assert (password or "§") not in str(error)


def test_a_hex_password_compares_without_case_and_another_as_it_is() -> None:
    assert check_password("0123456789ABCDEF") == "0123456789abcdef"
    assert canonical_password("0123456789ABCDEFG") == "0123456789ABCDEFG"


@pytest.mark.parametrize("profile", [0, 3])
def test_a_password_is_for_security_profiles_1_and_2_only(profile: int) -> None:
    refused(InvalidSecurityProfileError, check_security_profile, profile)
