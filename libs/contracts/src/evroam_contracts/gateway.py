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
    SignedReading,
    TokenType,
    Value,
)

P = "gateway"


class Connector(Value):
    """One connector. `connector_id` is the OCPI id; `ocpp_connector_id` is the OCPP 1.6
    station-wide number. In OCPP 2.0.1 a connector is (EVSE number, its position in the
    EVSE's connector list, from 1)."""

    connector_id: str
    ocpp_connector_id: int = Field(ge=1)
    standard: str = "IEC_62196_T2"
    format: Literal["SOCKET", "CABLE"] = "SOCKET"
    power_type: Literal["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"] = (
        "AC_3_PHASE"
    )
    max_power_w: int = Field(default=22_000, ge=0)
    max_voltage_v: int = Field(default=400, ge=0)
    max_amperage_a: int = Field(default=32, ge=0)


class Evse(Value):
    """One EVSE. `evse_uid` is the OCPI uid, `evse_id` the eMI3 EVSE id (OCPI `evse_id`);
    `ocpp_evse_id` is its OCPP 2.0.1 number (1..N), by default its position in the station."""

    evse_uid: str
    evse_id: str
    connectors: tuple[Connector, ...]
    ocpp_evse_id: int | None = Field(default=None, ge=1)
    physical_reference: str | None = None


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


class LocationUpdated(LocationRegistered):
    """A registered location changed; carries its whole new state."""

    type_name: ClassVar[str] = "station.location_updated"


class StationRegistered(Event):
    type_name: ClassVar[str] = "station.registered"
    producer: ClassVar[str] = P
    station_id: str
    location_id: str
    evses: tuple[Evse, ...]


class StationUpdated(StationRegistered):
    """A registered station changed (location, EVSEs, connectors); carries its whole new
    state."""

    type_name: ClassVar[str] = "station.updated"


class StationCredentialsSet(Event):
    """A station was given a new Basic-auth password (OCPP security profile 1 or 2). The
    password and its hash never travel in an event; the hash is kept by the gateway alone."""

    type_name: ClassVar[str] = "station.credentials_set"
    producer: ClassVar[str] = P
    station_id: str
    security_profile: Literal[1, 2]
    set_at: datetime


class StationConnected(Event):
    """A station opened its OCPP WebSocket (liveness comes from the socket, not from
    BootNotification, which a reconnecting station need not send)."""

    type_name: ClassVar[str] = "station.connected"
    producer: ClassVar[str] = P
    station_id: str
    ocpp_version: Literal["1.6", "2.0.1"]
    security_profile: int = 0
    replica: str
    connected_at: datetime


class StationDisconnected(Event):
    type_name: ClassVar[str] = "station.disconnected"
    producer: ClassVar[str] = P
    station_id: str
    replica: str
    close_code: int | None = None
    disconnected_at: datetime


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
    boot_reason: str | None = None


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
    ocpp_evse_id: int | None = None
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
    # True when the station reports it started while offline (2.0.1 `offline`, or a 1.6
    # StartTransaction whose timestamp is far older than its arrival).
    offline: bool = False
    seq_no: int | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    # The message that opened the session. Not "Started": the transaction's start had not
    # arrived (a stop or reading without a start), so `started_at` and `meter_start_wh` are
    # that message's; the session service reconstructs what it can. A Started arriving after
    # that is logged as a second TransactionStarted (opened_by "Started") for the same session.
    opened_by: Literal["Started", "Updated", "Ended"] = "Started"
    # The signed meter values of the Started message (OCPP 2.0.1; a 1.6 start has none).
    signed: tuple[SignedReading, ...] = ()
    signed_refused: tuple[str, ...] = ()


class MeterValuesSampled(Event):
    type_name: ClassVar[str] = "station.meter_values_sampled"
    producer: ClassVar[str] = P
    charging_session_id: str
    station_id: str
    transaction_id: str
    samples: tuple[MeterSample, ...]
    received_at: datetime
    offline: bool = False
    seq_no: int | None = None
    trigger_reason: str | None = None
    charging_state: str | None = None
    # Signed meter values, as sent; `signed_refused` says why a signed value could not be
    # taken (too long, fields missing), the message's other readings being taken all the same.
    signed: tuple[SignedReading, ...] = ()
    signed_refused: tuple[str, ...] = ()


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
    offline: bool = False
    seq_no: int | None = None
    # As in MeterValuesSampled (1.6: StopTransaction.transactionData; 2.0.1: Ended).
    signed: tuple[SignedReading, ...] = ()
    signed_refused: tuple[str, ...] = ()


class TransactionAuthorized(Event):
    """A transaction's id token was decided on after the transaction began: an OCPP 2.0.1
    transaction started by plugging in (TxStartPoint EVConnected) and authorized by a later
    Updated's idToken. The decision the session goes by from then on. (A Started arriving
    late is a second TransactionStarted instead.)"""

    type_name: ClassVar[str] = "station.transaction_authorized"
    producer: ClassVar[str] = P
    charging_session_id: str
    station_id: str
    transaction_id: str
    id_tag: str
    authorization: AuthorizationSnapshot
    authorized_at: datetime
    received_at: datetime
    seq_no: int | None = None


class TransactionEventsMissing(Event):
    """An OCPP 2.0.1 transaction ended with sequence numbers missing between its Started and
    Ended messages (E13/E14: a station may drop Updated messages when its queue overflows).
    Emitted when the Ended message arrives; a late message that fills a gap is still taken."""

    type_name: ClassVar[str] = "station.transaction_events_missing"
    producer: ClassVar[str] = P
    charging_session_id: str
    station_id: str
    transaction_id: str
    missing_seq_nos: tuple[int, ...]
    detected_at: datetime


class StationNotified(Event):
    """A station-initiated message that reports rather than transacts: DataTransfer,
    DiagnosticsStatusNotification, FirmwareStatusNotification (1.6);
    SecurityEventNotification, NotifyEvent, NotifyReport (2.0.1). `detail` is the message's
    payload as the station sent it (camelCase keys)."""

    type_name: ClassVar[str] = "station.notified"
    producer: ClassVar[str] = P
    station_id: str
    ocpp_version: Literal["1.6", "2.0.1"]
    action: str
    detail: dict[str, Any]
    received_at: datetime


class StationCommandCompleted(Event):
    type_name: ClassVar[str] = "station.command_completed"
    producer: ClassVar[str] = P
    command_id: str
    station_id: str
    action: str
    outcome: Literal[
        "accepted", "rejected", "timed_out", "not_connected", "call_error", "not_supported"
    ]
    response: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None
    ocpp_version: str | None = None
    completed_at: datetime | None = None
    # The gateway replica that decided the outcome (the one holding the socket, if any).
    replica: str | None = None


StationAction = Literal[
    # OCPP 1.6 (sent to a 2.0.1 station, the first six are translated to their 2.0.1
    # equivalents, so senders need not know the station's version)
    "RemoteStartTransaction",
    "RemoteStopTransaction",
    "UnlockConnector",
    "Reset",
    "ChangeAvailability",
    "TriggerMessage",
    "GetConfiguration",
    "ChangeConfiguration",
    "ClearCache",
    "SendLocalList",
    "GetLocalListVersion",
    "SetChargingProfile",
    "ClearChargingProfile",
    "GetCompositeSchedule",
    "ReserveNow",
    "CancelReservation",
    "UpdateFirmware",
    "GetDiagnostics",
    "DataTransfer",
    # OCPP 2.0.1
    "RequestStartTransaction",
    "RequestStopTransaction",
    "GetVariables",
    "SetVariables",
    "GetBaseReport",
]


class SendStationCommand(Command):
    """A CSMS-initiated OCPP call, published on `evroam.gateway.commands` keyed by station.
    `arguments` are the action's payload with snake_case keys, as the `ocpp` library names
    them. The outcome is a `station.command_completed` with the same command id."""

    type_name: ClassVar[str] = "gateway.send_station_command"
    producer: ClassVar[str] = "any"
    command_id: str
    station_id: str
    action: StationAction
    arguments: dict[str, Any] = Field(default_factory=dict)
    # After this moment the command is not delivered (outcome timed_out); default: the
    # gateway's own response timeout from when it takes the command.
    expires_at: datetime | None = None


EVENTS = (
    LocationRegistered,
    LocationUpdated,
    StationRegistered,
    StationUpdated,
    StationCredentialsSet,
    StationConnected,
    StationDisconnected,
    StationBooted,
    StationStatusChanged,
    StationAuthorizedLocally,
    TransactionStarted,
    MeterValuesSampled,
    TransactionEnded,
    TransactionAuthorized,
    TransactionEventsMissing,
    StationNotified,
    StationCommandCompleted,
)
COMMANDS = (SendStationCommand,)
