"""Tariff objects (OCPI 2.2.1 section 3.4) as partner CPOs PUT them to our Tariffs Receiver,
and as CDRs carry them (section 3.3: full copies of the relevant tariffs)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from evroam_roaming.ocpi.types import (
    CiString2,
    CiString3,
    CiString36,
    Currency,
    DateTime,
    DisplayText,
    EnergyMix,
    Number,
    OcpiObject,
    Price,
    Url,
)

_HH_MM = r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"
_DATE = r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DayOfWeek = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
TariffType = Literal["AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"]


class PriceComponent(OcpiObject):
    type: Literal["ENERGY", "FLAT", "PARKING_TIME", "TIME"]
    price: Number
    vat: Number | None = None
    step_size: Annotated[int, Field(ge=0)]


class TariffRestrictions(OcpiObject):
    start_time: Annotated[str, Field(pattern=_HH_MM)] | None = None
    end_time: Annotated[str, Field(pattern=_HH_MM)] | None = None
    start_date: Annotated[str, Field(pattern=_DATE)] | None = None
    end_date: Annotated[str, Field(pattern=_DATE)] | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_current: Number | None = None
    max_current: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: Literal["RESERVATION", "RESERVATION_EXPIRES"] | None = None


class TariffElement(OcpiObject):
    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiObject):
    country_code: CiString2
    party_id: CiString3
    id: CiString36
    currency: Currency
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: Url | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: list[TariffElement] = Field(min_length=1)
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
