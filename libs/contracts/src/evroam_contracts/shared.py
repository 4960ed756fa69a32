"""Value types shared by several producers' events (OCPI 2.2.1 vocabulary)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class Price(Value):
    """OCPI Price; amounts are decimals (JSON strings on our wire, numbers at the OCPI edge)."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None


TokenType = Literal["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
AuthMethod = Literal["AUTH_REQUEST", "COMMAND", "WHITELIST"]


class CdrToken(Value):
    """OCPI CdrToken: the token as it appears in sessions and CDRs."""

    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    uid: str = Field(max_length=36)
    type: TokenType
    contract_id: str = Field(max_length=36)


class GeoLocation(Value):
    latitude: str
    longitude: str


class LocationSnapshot(Value):
    """Where a session took place, frozen at its start (OCPI CdrLocation plus time zone and
    the CPO that owns the location)."""

    id: str
    name: str | None = None
    address: str
    city: str
    postal_code: str | None = None
    country: str = Field(min_length=3, max_length=3)
    coordinates: GeoLocation
    time_zone: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    evse_uid: str
    evse_id: str
    connector_id: str
    connector_standard: str
    connector_format: str
    connector_power_type: str


class CdrDimension(Value):
    type: str
    volume: Decimal


class ChargingPeriod(Value):
    start_date_time: datetime
    dimensions: tuple[CdrDimension, ...]
    tariff_id: str | None = None


class MeterSample(Value):
    """One reading: the cumulative import register in Wh, plus power/current/SoC if sent."""

    at: datetime
    energy_wh: int
    power_w: int | None = None
    current_a: Decimal | None = None
    soc: int | None = None


class TariffLock(Value):
    """The tariff version in force at session start, carried whole so that every later
    consumer prices with exactly the same data (ARCHITECTURE section 6)."""

    tariff_id: str
    version: int
    tariff: dict[str, Any]


class CostBreakdown(Value):
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy_cost: Price | None = None
    total_time_cost: Price | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
