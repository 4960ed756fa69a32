"""Events of the session service: the charging-session aggregate in the OCPI session shape."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from evroam_contracts.base import Event
from evroam_contracts.shared import (
    AuthMethod,
    CdrToken,
    ChargingPeriod,
    CostBreakdown,
    LocationSnapshot,
    MeterSample,
    SignedData,
    SignedReading,
    TariffLock,
    Value,
)

P = "session"
# Which station message opened the charging session: its Started, or (the start never
# arrived, or arrived late) a reading or the stop, from which the session was reconstructed.
OpenedBy = Literal["Started", "Updated", "Ended"]


class ChargingStateChange(Value):
    """The connector's charging state as the station reported it: an OCPP 1.6 connector
    status (SUSPENDED_EV, CHARGING, ...) or an OCPP 2.0.1 chargingState (SuspendedEV,
    EVConnected, Charging, ...). `station_clock` says whether `at` is the station's own
    timestamp (and so shifts with it when the station's clock is found off)."""

    at: datetime
    state: str
    station_clock: bool = True


class ClockReading(Value):
    """When a station message says it happened, and when it reached us: the evidence from
    which a station clock that is off is detected. `offline` readings (OCPP 2.0.1 offline
    replays) are legitimately old and are no evidence."""

    station_at: datetime
    received_at: datetime
    offline: bool = False


class SessionPending(Event):
    """A transaction began with no accepted token yet (OCPP 2.0.1: plugged in before the
    driver identified; OCPI PENDING). It becomes ACTIVE with SessionStarted once authorized,
    and INVALID if it ends before."""

    type_name: ClassVar[str] = "session.pending"
    producer: ClassVar[str] = P
    session_id: str
    station_id: str
    transaction_id: str
    ocpp_connector_id: int | None = None
    started_at: datetime
    meter_start_wh: int
    location: LocationSnapshot
    received_at: datetime
    opened_by: OpenedBy = "Started"
    reason: str


class SessionStarted(Event):
    type_name: ClassVar[str] = "session.started"
    producer: ClassVar[str] = P
    session_id: str
    station_id: str
    transaction_id: str
    started_at: datetime
    meter_start_wh: int
    location: LocationSnapshot
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: str | None = None
    tariff: TariffLock | None = None
    currency: str
    # Optional since the session-robustness issue. A second SessionStarted for a session
    # replaces the first: the transaction's own start arrived after the session was opened
    # (reconstructed) from a later message.
    ocpp_connector_id: int | None = None
    received_at: datetime | None = None
    opened_by: OpenedBy = "Started"
    # The station says the transaction started while it was offline (OCPP 2.0.1).
    offline: bool = False


class SessionUpdated(Event):
    """New station data folded into the session (`samples`, `charging_states`, `clock`
    readings, `signed` meter values: the inputs, as the station sent them) and what the
    session now amounts to (`kwh`, periods, cost, parking time: derived, with any station
    clock offset applied)."""

    type_name: ClassVar[str] = "session.updated"
    producer: ClassVar[str] = P
    session_id: str
    samples: tuple[MeterSample, ...] = ()
    kwh: Decimal
    charging_periods: tuple[ChargingPeriod, ...]
    costs: CostBreakdown | None = None
    updated_at: datetime
    charging_states: tuple[ChargingStateChange, ...] = ()
    clock: tuple[ClockReading, ...] = ()
    total_parking_time_h: Decimal | None = None
    # Notes no station data can derive again (the station rebooted without ending the
    # transaction, a token refused while pending): inputs, like the three above.
    flags: tuple[str, ...] = ()
    # What is doubtful about the session so far, in full (the flags, a meter reset, a
    # station clock found off, a reconstructed start): the CDR service's review reads these.
    warnings: tuple[str, ...] = ()
    # Set when the figures above are present (an ACTIVE session); an update that only
    # records inputs (a pending, invalid or completed session) leaves it None.
    started_at: datetime | None = None
    # Signed meter values the station sent, new to the session (an input, like `samples`):
    # they become SessionCompleted.signed_data.
    signed: tuple[SignedReading, ...] = ()


class SessionCompleted(Event):
    """Self-contained: carries everything a CDR needs, so consumers never join streams."""

    type_name: ClassVar[str] = "session.completed"
    producer: ClassVar[str] = P
    session_id: str
    station_id: str
    transaction_id: str
    started_at: datetime
    ended_at: datetime
    meter_start_wh: int
    meter_stop_wh: int
    kwh: Decimal
    location: LocationSnapshot
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: str | None = None
    tariff: TariffLock | None = None
    currency: str
    charging_periods: tuple[ChargingPeriod, ...]
    costs: CostBreakdown
    total_time_h: Decimal
    total_parking_time_h: Decimal = Decimal(0)
    stop_reason: str | None = None
    status: Literal["COMPLETED"] = "COMPLETED"
    warnings: tuple[str, ...] = ()
    # Seconds the station's clock was found ahead (positive) or behind; the times above are
    # already corrected by it.
    station_clock_offset_s: int = 0
    opened_by: OpenedBy = "Started"
    # The session was closed by evroam, not by the station (see the unfinished policy).
    closed_by_csms: bool = False
    # The signed meter values the station sent for this transaction, if any (OCPI SignedData).
    signed_data: SignedData | None = None


class SessionCorrected(SessionCompleted):
    """A completed session changed because station data arrived after it was completed (a
    reading inside it, its own late start, a second stop). Carries the whole corrected
    session; the CDR service answers it with a credit CDR and a new one."""

    type_name: ClassVar[str] = "session.corrected"
    revision: int
    correction_reason: str


class SessionInvalidated(Event):
    type_name: ClassVar[str] = "session.invalidated"
    producer: ClassVar[str] = P
    session_id: str
    reason: str
    invalidated_at: datetime
    # Optional since the session-robustness issue: what the transaction's end said, kept so
    # that a session invalid only for want of its start can still be completed if it comes.
    station_id: str | None = None
    transaction_id: str | None = None
    ended_at: datetime | None = None
    meter_stop_wh: int | None = None
    stop_reason: str | None = None


EVENTS = (
    SessionPending,
    SessionStarted,
    SessionUpdated,
    SessionCompleted,
    SessionCorrected,
    SessionInvalidated,
)
