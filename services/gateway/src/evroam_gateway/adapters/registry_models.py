"""The registry admin API's bodies and answers. Bodies are the contract's shapes with unknown
fields refused and OCPI 2.2.1 lengths, so a typo is a 422 rather than a field kept in the log
for ever; the registry rules themselves (time zone, coordinates, EVSE ids, ...) are checked
by the pure domain."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from evroam_contracts.gateway import Connector, Evse, LocationRegistered, StationRegistered
from evroam_contracts.shared import GeoLocation

PRINTABLE_NOT_SLASH = frozenset(chr(c) for c in range(0x21, 0x7F)) - {"/"}
BODY = ConfigDict(frozen=True, extra="forbid")
VIEW = ConfigDict(frozen=True, extra="ignore")


def _ocpi_id(value: str) -> str:
    # OCPI CiString(36); no '/' because the id is a path segment of this API.
    if not 1 <= len(value) <= 36 or not set(value) <= PRINTABLE_NOT_SLASH:
        raise ValueError("an id has 1 to 36 printable ASCII characters, no space and no '/'")
    return value


OcpiId = Annotated[str, AfterValidator(_ocpi_id)]


class CoordinatesBody(GeoLocation):
    """OCPI GeoLocation: decimal degrees as strings with 5 to 7 decimals."""

    model_config = BODY
    latitude: str = Field(examples=["52.378900"])
    longitude: str = Field(examples=["4.900200"])


class ConnectorBody(Connector):
    model_config = BODY
    connector_id: OcpiId


class EvseBody(Evse):
    """An EVSE with its connectors. `evse_id` is the eMI3 EVSE id, whose country code and
    operator id are the location's (`NL*EVR*E12345*1` at a location of NL/EVR)."""

    model_config = BODY
    evse_uid: OcpiId
    evse_id: str = Field(max_length=48, examples=["NL*EVR*E12345*1"])
    connectors: tuple[ConnectorBody, ...]
    physical_reference: str | None = Field(default=None, max_length=16)


class EvseAtUid(EvseBody):
    """An EVSE for `PUT .../evses/{evse_uid}`: `evse_uid` may be left out (the URL's)."""

    evse_uid: OcpiId | None = None  # type: ignore[assignment]


class LocationBody(LocationRegistered):
    """A whole location (OCPI 2.2.1 Location, the fields the gateway keeps)."""

    model_config = BODY
    location_id: OcpiId
    name: str | None = Field(default=None, max_length=255)
    address: str = Field(min_length=1, max_length=45)
    city: str = Field(min_length=1, max_length=45)
    postal_code: str | None = Field(default=None, max_length=10)
    coordinates: CoordinatesBody
    time_zone: str = Field(examples=["Europe/Amsterdam"])
    operator_name: str | None = Field(default=None, max_length=255)


_REQUIRED = ("address", "city", "country", "coordinates", "time_zone", "country_code", "party_id")


class LocationPatch(BaseModel):
    """Some fields of a location; the others keep their value. `location_id` cannot change,
    nor can `country_code` and `party_id` (its stations' EVSE ids carry them)."""

    model_config = BODY
    name: str | None = Field(default=None, max_length=255)
    address: str | None = Field(default=None, min_length=1, max_length=45)
    city: str | None = Field(default=None, min_length=1, max_length=45)
    postal_code: str | None = Field(default=None, max_length=10)
    country: str | None = Field(default=None, min_length=3, max_length=3)
    coordinates: CoordinatesBody | None = None
    time_zone: str | None = None
    country_code: str | None = Field(default=None, min_length=2, max_length=2)
    party_id: str | None = Field(default=None, min_length=3, max_length=3)
    operator_name: str | None = Field(default=None, max_length=255)

    @field_validator(*_REQUIRED, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("a location always has this field; it cannot be set to null")
        return value


class StationBody(StationRegistered):
    """A whole station: its location and its EVSEs. `station_id` is its OCPP identity (at most
    48 characters, no ':'), also the Basic-auth user name of its connection."""

    model_config = BODY
    location_id: OcpiId
    evses: tuple[EvseBody, ...] = ()


class CredentialsBody(BaseModel):
    """A station's new Basic-auth password: 16 to 40 characters (OCPP 2.0.1 passwordString;
    for OCPP 1.6, the AuthorizationKey as up to 40 hex digits). Profile 2 also requires TLS."""

    model_config = BODY
    password: str = Field(json_schema_extra={"writeOnly": True, "format": "password"})
    security_profile: Literal[1, 2]


class LocationView(LocationRegistered):
    model_config = VIEW


class StationState(StationRegistered):
    model_config = VIEW


class StationView(StationState):
    """A station as the read model holds it; `security_profile` is 0 until a password is set."""

    security_profile: int = 0


class LocationWritten(BaseModel):
    """The location as recorded, and the version of its stream after the write."""

    version: int
    location: LocationView


class StationWritten(BaseModel):
    """The station as recorded, and the version of its stream after the write."""

    version: int
    station: StationState
