"""CDR objects (OCPI 2.2.1 section 3.3) as partner CPOs POST them to our CDRs Receiver."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from evroam_roaming.ocpi.emsp.tariff_objects import Tariff
from evroam_roaming.ocpi.types import (
    AuthMethod,
    CdrToken,
    ChargingPeriod,
    CiString2,
    CiString3,
    CiString36,
    CiString39,
    CiString48,
    ConnectorFormat,
    ConnectorType,
    Currency,
    DateTime,
    GeoLocation,
    Number,
    OcpiObject,
    PowerType,
    Price,
    String,
)


class CdrLocation(OcpiObject):
    id: CiString36
    name: Annotated[String, Field(max_length=255)] | None = None
    address: Annotated[String, Field(max_length=255)]
    city: Annotated[String, Field(max_length=45)]
    postal_code: Annotated[String, Field(max_length=10)] | None = None
    state: Annotated[String, Field(max_length=45)] | None = None
    country: Annotated[String, Field(min_length=3, max_length=3)]
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: CiString48
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiObject):
    nature: Annotated[String, Field(max_length=32)]
    plain_data: Annotated[String, Field(max_length=5000)]
    signed_data: Annotated[String, Field(max_length=5000)]


class SignedData(OcpiObject):
    encoding_method: CiString36
    encoding_method_version: int | None = None
    public_key: Annotated[String, Field(max_length=512)] | None = None
    signed_values: list[SignedValue] = Field(min_length=1)
    url: Annotated[String, Field(max_length=512)] | None = None


class CDR(OcpiObject):
    country_code: CiString2
    party_id: CiString3
    id: CiString39
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: Annotated[String, Field(max_length=255)] | None = None
    currency: Currency
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Number
    total_energy_cost: Price | None = None
    total_time: Number
    total_time_cost: Price | None = None
    total_parking_time: Number | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: Annotated[String, Field(max_length=255)] | None = None
    invoice_reference_id: CiString39 | None = None
    credit: bool | None = None
    credit_reference_id: CiString39 | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _credit_names_what_it_credits(self) -> CDR:
        """Section 5: a credit CDR carries the id of the CDR it credits."""
        if self.credit and not self.credit_reference_id:
            raise ValueError("a credit CDR needs credit_reference_id")
        return self
