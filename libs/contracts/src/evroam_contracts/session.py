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
    TariffLock,
)

P = "session"


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


class SessionUpdated(Event):
    type_name: ClassVar[str] = "session.updated"
    producer: ClassVar[str] = P
    session_id: str
    samples: tuple[MeterSample, ...] = ()
    kwh: Decimal
    charging_periods: tuple[ChargingPeriod, ...]
    costs: CostBreakdown | None = None
    updated_at: datetime


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


class SessionInvalidated(Event):
    type_name: ClassVar[str] = "session.invalidated"
    producer: ClassVar[str] = P
    session_id: str
    reason: str
    invalidated_at: datetime


EVENTS = (SessionStarted, SessionUpdated, SessionCompleted, SessionInvalidated)
