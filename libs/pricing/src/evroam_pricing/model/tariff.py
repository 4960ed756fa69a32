"""OCPI 2.2.1 Tariff as frozen dataclasses, valid by construction.

Names follow the OCPI 2.2.1 Tariffs module. Every value that OCPI calls a `number` is a
`Decimal`; local times of day are `datetime.time`, local dates `datetime.date`, instants aware
UTC `datetime`s. Building an object that breaks a rule raises the rule's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from evroam_pricing.currency import minor_unit
from evroam_pricing.errors import (
    InconsistentPriceLimitsError,
    InconsistentRestrictionError,
    InvalidStepSizeError,
    MalformedTariffError,
    NaiveDatetimeError,
    NegativePriceError,
    NegativeVatError,
    ReservationComponentError,
)
from evroam_pricing.model.energy_mix import EnergyMix


class TariffDimensionType(StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class TariffType(StrEnum):
    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"

    @classmethod
    def of(cls, day: date) -> DayOfWeek:
        return list(cls)[day.weekday()]


class ReservationRestrictionType(StrEnum):
    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


@dataclass(frozen=True)
class Price:
    """OCPI 2.2.1 Types: Price. `incl_vat` is None when VAT cannot be determined."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(frozen=True)
class DisplayText:
    language: str
    text: str


@dataclass(frozen=True)
class PriceComponent:
    type: TariffDimensionType
    price: Decimal
    vat: Decimal | None
    step_size: int

    def __post_init__(self) -> None:
        if self.price < 0:
            raise NegativePriceError(f"{self.type} price {self.price} is negative")
        if self.vat is not None and self.vat < 0:
            raise NegativeVatError(f"{self.type} vat {self.vat} is negative")
        # OCPI 2.2.1 Tariffs: step_size — billed in blocks of step_size units; a block of zero
        # units means nothing for ENERGY/TIME/PARKING_TIME, while FLAT has no unit (0 allowed).
        if self.step_size < 0 or (self.step_size == 0 and self.type != TariffDimensionType.FLAT):
            raise InvalidStepSizeError(f"{self.type} step_size {self.step_size} is not allowed")


_RANGES = (
    ("min_kwh", "max_kwh"),
    ("min_current", "max_current"),
    ("min_power", "max_power"),
    ("min_duration", "max_duration"),
)


@dataclass(frozen=True, kw_only=True)
class TariffRestrictions:
    """OCPI 2.2.1 Tariffs: TariffRestrictions; all fields that are set are AND-ed."""

    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: tuple[DayOfWeek, ...] = ()
    reservation: ReservationRestrictionType | None = None

    def __post_init__(self) -> None:
        for low_name, high_name in _RANGES:
            low, high = getattr(self, low_name), getattr(self, high_name)
            for name, value in ((low_name, low), (high_name, high)):
                if value is not None and value < 0:
                    raise InconsistentRestrictionError(f"{name} {value} is negative")
            # min is inclusive and max exclusive, so min >= max can never match.
            if low is not None and high is not None and low >= high:
                raise InconsistentRestrictionError(f"{low_name} {low} >= {high_name} {high}")
        if self.start_date and self.end_date and self.start_date >= self.end_date:
            raise InconsistentRestrictionError(
                f"start_date {self.start_date} is not before end_date {self.end_date}"
            )
        for t in (self.start_time, self.end_time):
            if t is not None and (t.second or t.microsecond or t.tzinfo):
                raise InconsistentRestrictionError(f"time of day {t} is not a plain HH:MM")


@dataclass(frozen=True)
class TariffElement:
    price_components: tuple[PriceComponent, ...]
    restrictions: TariffRestrictions | None = None

    def __post_init__(self) -> None:
        if not self.price_components:
            raise MalformedTariffError("price_components", "at least one component required")
        if self.restrictions is not None and self.restrictions.reservation is not None:
            # OCPI 2.2.1 Tariffs: reservation — "A reservation can only have FLAT and TIME".
            allowed = {TariffDimensionType.FLAT, TariffDimensionType.TIME}
            for component in self.price_components:
                if component.type not in allowed:
                    raise ReservationComponentError(
                        f"{component.type} component in a reservation element"
                    )


@dataclass(frozen=True, kw_only=True)
class Tariff:
    """OCPI 2.2.1 Tariffs: Tariff object."""

    country_code: str
    party_id: str
    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    last_updated: datetime
    type: TariffType | None = None
    tariff_alt_text: tuple[DisplayText, ...] = ()
    tariff_alt_url: str | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    energy_mix: EnergyMix | None = None

    def __post_init__(self) -> None:
        minor_unit(self.currency)
        if not self.elements:
            raise MalformedTariffError("elements", "at least one element required")
        for name in ("last_updated", "start_date_time", "end_date_time"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise NaiveDatetimeError(f"{name} {value} has no time zone")
        _check_price_limits(self.min_price, self.max_price)

    def in_force_at(self, instant: datetime) -> bool:
        """OCPI 2.2.1 Tariffs: start_date_time (active from) .. end_date_time (invalid after)."""
        if self.start_date_time is not None and instant < self.start_date_time:
            return False
        return self.end_date_time is None or instant <= self.end_date_time


def _check_price_limits(min_price: Price | None, max_price: Price | None) -> None:
    for name, limit in (("min_price", min_price), ("max_price", max_price)):
        if limit is None:
            continue
        if limit.excl_vat < 0 or (limit.incl_vat is not None and limit.incl_vat < 0):
            raise NegativePriceError(f"{name} {limit} is negative")
    if min_price is None or max_price is None:
        return
    incl_pair = (min_price.incl_vat, max_price.incl_vat)
    if min_price.excl_vat > max_price.excl_vat or (
        incl_pair[0] is not None and incl_pair[1] is not None and incl_pair[0] > incl_pair[1]
    ):
        raise InconsistentPriceLimitsError(f"min_price {min_price} above max_price {max_price}")
