"""Events of the CDR service. An issued CDR never changes; corrections are credit CDRs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from evroam_contracts.base import Event
from evroam_contracts.shared import AuthMethod, CdrToken, ChargingPeriod, Price, Value

P = "cdr"


class CdrLocation(Value):
    id: str
    name: str | None = None
    address: str
    city: str
    postal_code: str | None = None
    country: str
    coordinates: dict[str, str]
    evse_uid: str
    evse_id: str
    connector_id: str
    connector_standard: str
    connector_format: str
    connector_power_type: str


class Cdr(Value):
    """The OCPI 2.2.1 CDR object (money as decimals)."""

    country_code: str
    party_id: str
    id: str = Field(max_length=39)
    start_date_time: datetime
    end_date_time: datetime
    session_id: str | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: str | None = None
    cdr_location: CdrLocation
    meter_id: str | None = None
    currency: str
    tariffs: tuple[dict[str, Any], ...] = ()
    charging_periods: tuple[ChargingPeriod, ...]
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Decimal
    total_energy_cost: Price | None = None
    total_time: Decimal
    total_time_cost: Price | None = None
    total_parking_time: Decimal | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: str | None = None
    invoice_reference_id: str | None = None
    credit: bool | None = None
    credit_reference_id: str | None = None
    last_updated: datetime


class CdrIssued(Event):
    type_name: ClassVar[str] = "cdr.issued"
    producer: ClassVar[str] = P
    cdr: Cdr
    time_zone: str


EVENTS = (CdrIssued,)
