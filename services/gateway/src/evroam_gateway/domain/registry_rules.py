"""The rules every registered location and station keeps, and what a station password is.
Pure; each broken rule raises its own error (`registry_errors`), naming the field at fault."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evroam_contracts.gateway import Evse, LocationRegistered, StationRegistered
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

# OCPI 2.2.1 Locations, GeoLocation: decimal degrees as strings, 5 to 7 decimals.
LATITUDE = re.compile(r"-?[0-9]{1,2}\.[0-9]{5,7}")
LONGITUDE = re.compile(r"-?[0-9]{1,3}\.[0-9]{5,7}")
# OCPI 2.2.1 Locations, EVSE `evse_id` (eMI3): country code, operator id, "E", the rest.
EVSE_ID = re.compile(r"(?P<country>[A-Z]{2})\*?(?P<operator>[A-Z0-9]{3})\*?E[A-Z0-9*]{1,30}")
# OCPP 2.0.1 identity: at most 48 characters and no ':', for it is the Basic-auth user name;
# no '/' either, because it is one path segment of the OCPP URL and of this admin API.
STATION_ID_MAX = 48
STATION_ID_FORBIDDEN = re.compile(r"[:/\x00-\x1f\x7f]")
# OCPP 2.0.1 BasicAuthPassword is a passwordString of 16..40 characters; OCPP 1.6's
# AuthorizationKey is 16..20 bytes written as up to 40 hex digits.
PASSWORD_MIN, PASSWORD_MAX = 16, 40
HEX = re.compile(r"[0-9a-fA-F]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_location(location: LocationRegistered) -> None:
    try:
        ZoneInfo(location.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZoneError(
            f"unknown time zone {location.time_zone!r}: use an IANA name such as "
            "'Europe/Amsterdam'",
            ("time_zone",),
        ) from exc
    _check_degrees("latitude", location.coordinates.latitude, LATITUDE, 90)
    _check_degrees("longitude", location.coordinates.longitude, LONGITUDE, 180)


def _check_degrees(name: str, text: str, form: re.Pattern[str], bound: int) -> None:
    if not form.fullmatch(text):
        raise InvalidCoordinatesError(
            f"{name} {text!r} is not an OCPI coordinate: decimal degrees with 5 to 7 decimals,"
            " as a string, e.g. '52.378900'",
            ("coordinates", name),
        )
    if abs(float(text)) > bound:
        raise InvalidCoordinatesError(
            f"{name} {text} is outside -{bound}..{bound}", ("coordinates", name)
        )


def check_station_id(station_id: str) -> None:
    if not 1 <= len(station_id) <= STATION_ID_MAX or STATION_ID_FORBIDDEN.search(station_id):
        raise InvalidStationIdError(
            f"station id {station_id!r} must have 1 to {STATION_ID_MAX} characters and no ':',"
            " '/' or control character (it is the OCPP identity and the Basic-auth user name)",
            ("station_id",),
        )


def check_station(station: StationRegistered, location: LocationRegistered | None) -> None:
    """Every rule a station's whole state must keep, given its location (None: unknown)."""
    check_station_id(station.station_id)
    if location is None:
        raise UnknownLocationError(
            f"location {station.location_id} is not registered", ("location_id",)
        )
    for i, evse in enumerate(station.evses):
        _check_evse(i, evse, location)
    _no_repeat(
        DuplicateEvseUidError,
        "evse_uid",
        (((i, "evse_uid"), e.evse_uid) for i, e in enumerate(station.evses)),
    )
    _no_repeat(
        DuplicateOcppEvseIdError,
        "ocpp_evse_id",
        (((i, "ocpp_evse_id"), ocpp_evse_id(station.evses, i)) for i in range(len(station.evses))),
    )
    _no_repeat(
        DuplicateConnectorError,
        "ocpp_connector_id",
        (
            ((i, "connectors", j, "ocpp_connector_id"), c.ocpp_connector_id)
            for i, e in enumerate(station.evses)
            for j, c in enumerate(e.connectors)
        ),
    )


def _check_evse(index: int, evse: Evse, location: LocationRegistered) -> None:
    where = ("evses", index, "evse_id")
    found = EVSE_ID.fullmatch(evse.evse_id)
    if found is None:
        raise InvalidEvseIdError(
            f"evse_id {evse.evse_id!r} is not an eMI3 EVSE id such as 'NL*EVR*E12345*1'", where
        )
    owner = (location.country_code.upper(), location.party_id.upper())
    if (found["country"], found["operator"]) != owner:
        raise EvseIdOfOtherPartyError(
            f"evse_id {evse.evse_id!r} belongs to {found['country']}*{found['operator']}, but"
            f" location {location.location_id} is operated by {owner[0]}*{owner[1]}",
            where,
        )
    if not evse.connectors:
        raise EvseWithoutConnectorsError(
            f"EVSE {evse.evse_uid} has no connector (OCPI: one or more)",
            ("evses", index, "connectors"),
        )


def ocpp_evse_id(evses: tuple[Evse, ...], index: int) -> int:
    """The OCPP 2.0.1 number of the EVSE at `index`: its own, or its position from 1."""
    return evses[index].ocpp_evse_id or index + 1


def _no_repeat(
    error: type[RegistryRuleError],
    name: str,
    values: Iterable[tuple[tuple[str | int, ...], Hashable]],
) -> None:
    seen: set[Hashable] = set()
    for where, value in values:
        if value in seen:
            raise error(f"{name} {value} is used twice in this station", ("evses", *where))
        seen.add(value)


def check_password(password: str) -> str:
    """The password as it will be stored and compared (`canonical_password`)."""
    if not password_fits(password):
        # never repeat the password itself: this message reaches logs and responses
        raise InvalidPasswordError(
            f"a station password has {PASSWORD_MIN} to {PASSWORD_MAX} characters and no control"
            f" character; this one has {len(password)} characters",
            ("password",),
        )
    return canonical_password(password)


def password_fits(password: str) -> bool:
    return PASSWORD_MIN <= len(password) <= PASSWORD_MAX and not CONTROL.search(password)


def canonical_password(password: str) -> str:
    """A password made only of hex digits compares without case: OCPP 1.6 stations send their
    AuthorizationKey as hex in either case, or as the raw bytes whose hex form the CSMS must
    compute. Others compare as they are."""
    return password.lower() if HEX.fullmatch(password) else password


def check_security_profile(security_profile: int) -> None:
    # Profile 3 authenticates with client certificates, not with a password.
    if security_profile not in (1, 2):
        raise InvalidSecurityProfileError(
            f"security profile {security_profile}: a password is for profile 1 or 2",
            ("security_profile",),
        )
