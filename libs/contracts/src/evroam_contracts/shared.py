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
Whitelist = Literal["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]
# OCPI 2.2.1 AllowedType: what an eMSP answers to a real-time authorization.
AllowedType = Literal["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]
ProfileType = Literal["CHEAP", "FAST", "GREEN", "REGULAR"]


class EnergyContract(Value):
    supplier_name: str = Field(max_length=64)
    contract_id: str | None = Field(default=None, max_length=64)


class OcpiToken(Value):
    """OCPI 2.2.1 Token (section 12.3.2): keyed by (country_code, party_id, uid, type)."""

    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    uid: str = Field(min_length=1, max_length=36)
    type: TokenType
    contract_id: str = Field(min_length=1, max_length=36)
    visual_number: str | None = Field(default=None, max_length=64)
    issuer: str = Field(max_length=64)
    group_id: str | None = Field(default=None, max_length=36)
    valid: bool
    whitelist: Whitelist
    language: str | None = Field(default=None, min_length=2, max_length=2)
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: datetime


class LocationReferences(Value):
    """OCPI 2.2.1 LocationReferences: where a token may (or wants to) charge."""

    location_id: str = Field(max_length=36)
    evse_uids: tuple[str, ...] = ()


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


class SignedReading(Value):
    """One signed meter value as the station sent it: an OCPP 1.6 SampledValue of format
    SignedData (`signed_data` is its `value`), or an OCPP 2.0.1 `signedMeterValue`
    (`signed_data` is its `signedMeterData`). The blob is kept exactly as sent, whatever its
    own encoding (an OCMF string `OCMF|{payload}|{signature}`, hex, base64), so that it can
    be verified later; `at` is the timestamp of the MeterValue it came in."""

    at: datetime
    signed_data: str = Field(min_length=1, max_length=5000)
    # OCPP ReadingContext: Transaction.Begin, Sample.Periodic, Transaction.End, ...
    context: str = "Sample.Periodic"
    measurand: str = "Energy.Active.Import.Register"
    # As the station named them (OCPP 2.0.1 encodingMethod, signingMethod, publicKey);
    # OCPP 1.6 names none of them.
    encoding_method: str | None = None
    signing_method: str | None = None
    public_key: str | None = None


class SignedValue(Value):
    """OCPI 2.2.1 SignedValue: one signed meter reading (`nature` Start, End, Intermediate)."""

    nature: str
    plain_data: str
    signed_data: str


class SignedData(Value):
    """OCPI 2.2.1 SignedData: the signed meter values of a session (e.g. OCMF, Eichrecht), as
    the station sent them, so that the driver can verify the energy billed."""

    encoding_method: str
    encoding_method_version: int | None = None
    public_key: str | None = None
    signed_values: tuple[SignedValue, ...]
    url: str | None = None


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
