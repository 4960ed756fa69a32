"""Location, EVSE and Connector objects (OCPI 2.2.1 section 3.1) as partner CPOs PUT and PATCH
them to our Locations Receiver."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from evroam_contracts.shared import TokenType
from evroam_roaming.ocpi.types import (
    BusinessDetails,
    CiString2,
    CiString3,
    CiString36,
    CiString48,
    ConnectorFormat,
    ConnectorType,
    DateTime,
    DisplayText,
    EnergyMix,
    GeoLocation,
    Image,
    OcpiObject,
    PowerType,
    String,
    Url,
)

_HH_MM = r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"
Status = Literal[
    "AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED", "REMOVED",
    "RESERVED", "UNKNOWN",
]  # fmt: skip
Capability = Literal[
    "CHARGING_PROFILE_CAPABLE", "CHARGING_PREFERENCES_CAPABLE", "CHIP_CARD_SUPPORT",
    "CONTACTLESS_CARD_SUPPORT", "CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE", "PED_TERMINAL",
    "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "RFID_READER", "START_SESSION_CONNECTOR_REQUIRED",
    "TOKEN_GROUP_CAPABLE", "UNLOCK_CAPABLE",
]  # fmt: skip
ParkingRestriction = Literal["EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES"]
ParkingType = Literal[
    "ALONG_MOTORWAY", "PARKING_GARAGE", "PARKING_LOT", "ON_DRIVEWAY", "ON_STREET",
    "UNDERGROUND_GARAGE",
]  # fmt: skip
Facility = Literal[
    "HOTEL", "RESTAURANT", "CAFE", "MALL", "SUPERMARKET", "SPORT", "RECREATION_AREA", "NATURE",
    "MUSEUM", "BIKE_SHARING", "BUS_STOP", "TAXI_STAND", "TRAM_STOP", "METRO_STATION",
    "TRAIN_STATION", "AIRPORT", "PARKING_LOT", "CARPOOL_PARKING", "FUEL_STATION", "WIFI",
]  # fmt: skip


class Connector(OcpiObject):
    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: Url | None = None
    last_updated: DateTime


class StatusSchedule(OcpiObject):
    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class EVSE(OcpiObject):
    uid: CiString36
    evse_id: CiString48 | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: list[Connector] = Field(min_length=1)
    floor_level: Annotated[String, Field(max_length=4)] | None = None
    coordinates: GeoLocation | None = None
    physical_reference: Annotated[String, Field(max_length=16)] | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class PublishTokenType(OcpiObject):
    uid: CiString36 | None = None
    type: TokenType | None = None
    visual_number: Annotated[String, Field(max_length=64)] | None = None
    issuer: Annotated[String, Field(max_length=64)] | None = None
    group_id: CiString36 | None = None


class AdditionalGeoLocation(GeoLocation):
    name: DisplayText | None = None


class RegularHours(OcpiObject):
    weekday: Annotated[int, Field(ge=1, le=7)]
    period_begin: Annotated[str, Field(pattern=_HH_MM)]
    period_end: Annotated[str, Field(pattern=_HH_MM)]


class ExceptionalPeriod(OcpiObject):
    period_begin: DateTime
    period_end: DateTime


class Hours(OcpiObject):
    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None


class Location(OcpiObject):
    country_code: CiString2
    party_id: CiString3
    id: CiString36
    publish: bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: Annotated[String, Field(max_length=255)] | None = None
    address: Annotated[String, Field(max_length=255)]
    city: Annotated[String, Field(max_length=45)]
    postal_code: Annotated[String, Field(max_length=10)] | None = None
    state: Annotated[String, Field(max_length=45)] | None = None
    country: Annotated[String, Field(min_length=3, max_length=3)]
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: Annotated[String, Field(min_length=1, max_length=255)]
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _evse_uids_unique(self) -> Location:
        """EVSEs are addressed by uid and connectors by id within their EVSE (CiStrings)."""
        uids = [e.uid.upper() for e in self.evses or ()]
        if len(uids) != len(set(uids)):
            raise ValueError("two EVSEs with the same uid")
        for evse in self.evses or ():
            ids = [c.id.upper() for c in evse.connectors]
            if len(ids) != len(set(ids)):
                raise ValueError(f"EVSE {evse.uid}: two connectors with the same id")
        return self
