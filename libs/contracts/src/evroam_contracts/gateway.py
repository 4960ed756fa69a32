"""Events and commands of the charger gateway: the station registry and normalized station
traffic (the same events for OCPP 1.6J and 2.0.1; no OCPP type leaks in here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from evroam_contracts.base import Command, Event
from evroam_contracts.shared import (
    AuthMethod,
    GeoLocation,
    LocationSnapshot,
    MeterSample,
    TokenType,
    Value,
)

P = "gateway"


class Connector(Value):
    connector_id: str
    ocpp_connector_id: int = Field(ge=1)
    standard: str = "IEC_62196_T2"
    format: Literal["SOCKET", "CABLE"] = "SOCKET"
    power_type: Literal["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"] = (
        "AC_3_PHASE"
    )
    max_power_w: int = Field(default=22_000, ge=0)


class Evse(Value):
    evse_uid: str
    evse_id: str
    connectors: tuple[Connector, ...]


class LocationRegistered(Event):
    type_name: ClassVar[str] = "station.location_registered"
    producer: ClassVar[str] = P
    location_id: str
    name: str | None = None
    address: str
    city: str
    postal_code: str | None = None
    country: str = Field(min_length=3, max_length=3)
    coordinates: GeoLocation
    time_zone: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    operator_name: str | None = None


class StationRegistered(Event):
    type_name: ClassVar[str] = "station.registered"
    producer: ClassVar[str] = P
    station_id: str
    location_id: str
    evses: tuple[Evse, ...]


class StationBooted(Event):
    type_name: ClassVar[str] = "station.booted"
    producer: ClassVar[str] = P
    station_id: str
    ocpp_version: Literal["1.6", "2.0.1"]
    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    registration_status: Literal["Accepted", "Pending", "Rejected"]
    received_at: datetime


ConnectorStatus = Literal[
    "AVAILABLE",
    "PREPARING",
    "CHARGING",
    "SUSPENDED_EV",
    "SUSPENDED_EVSE",
    "FINISHING",
    "RESERVED",
    "UNAVAILABLE",
    "FAULTED",
    "OCCUPIED",
]


class StationStatusChanged(Event):
    type_name: ClassVar[str] = "station.status_changed"
    producer: ClassVar[str] = P
    station_id: str
    ocpp_connector_id: int
    evse_uid: str | None = None
    status: ConnectorStatus
    error_code: str | None = None
    station_time: datetime | None = None
    received_at: datetime


class AuthorizationSnapshot(Value):
    """The authorization decision a transaction started under, as the gateway received it."""

    status: str
    authorization_reference: str | None = None
    decided_by: Literal["authorization", "local_cache"]
    token_country_code: str | None = None
    token_party_id: str | None = None
    token_uid: str
    token_type: TokenType = "RFID"
    contract_id: str | None = None
    auth_method: AuthMethod | None = None


class StationAuthorizedLocally(Event):
    """The authorization service did not answer in time, so the gateway decided from its
    local authorization cache (a projection of token events), honouring the whitelist rules.
    Recorded on the station's stream, with the charging session's correlation id."""

    type_name: ClassVar[str] = "station.authorized_locally"
    producer: ClassVar[str] = P
    station_id: str
    id_tag: str
    purpose: Literal["authorize", "transaction_start"]
    status: str
    reason: str
    authorization_reference: str
    token_country_code: str | None = None
    token_party_id: str | None = None
    contract_id: str | None = None
    decided_at: datetime


class TransactionStarted(Event):
    type_name: ClassVar[str] = "station.transaction_started"
    producer: ClassVar[str] = P
    charging_session_id: str
    station_id: str
    transaction_id: str
    ocpp_connector_id: int
    id_tag: str
    meter_start_wh: int
    started_at: datetime
    received_at: datetime
    location: LocationSnapshot
    authorization: AuthorizationSnapshot


class MeterValuesSampled(Event):
    type_name: ClassVar[str] = "station.meter_values_sampled"
    producer: ClassVar[str] = P
    charging_session_id: str
    station_id: str
    transaction_id: str
    samples: tuple[MeterSample, ...]
    received_at: datetime


class TransactionEnded(Event):
    type_name: ClassVar[str] = "station.transaction_ended"
    producer: ClassVar[str] = P
    charging_session_id: str
    station_id: str
    transaction_id: str
    meter_stop_wh: int
    ended_at: datetime
    reason: str = "Local"
    id_tag: str | None = None
    samples: tuple[MeterSample, ...] = ()
    received_at: datetime


class StationCommandCompleted(Event):
    type_name: ClassVar[str] = "station.command_completed"
    producer: ClassVar[str] = P
    command_id: str
    station_id: str
    action: str
    outcome: Literal["accepted", "rejected", "timed_out", "not_connected", "call_error"]
    response: dict[str, Any] = Field(default_factory=dict)


class SendStationCommand(Command):
    """A CSMS-initiated OCPP call, published on `evroam.gateway.commands` keyed by station."""

    type_name: ClassVar[str] = "gateway.send_station_command"
    producer: ClassVar[str] = "any"
    command_id: str
    station_id: str
    action: Literal[
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "UnlockConnector",
        "Reset",
        "ChangeAvailability",
        "TriggerMessage",
    ]
    arguments: dict[str, Any] = Field(default_factory=dict)


EVENTS = (
    LocationRegistered,
    StationRegistered,
    StationBooted,
    StationStatusChanged,
    StationAuthorizedLocally,
    TransactionStarted,
    MeterValuesSampled,
    TransactionEnded,
    StationCommandCompleted,
)
COMMANDS = (SendStationCommand,)
