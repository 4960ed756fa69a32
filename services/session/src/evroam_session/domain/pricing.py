"""The session's running cost from the shared pricing engine (one implementation of pricing
in the whole project), and the translation of its result into contract types. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import evroam_pricing as pricing
from evroam_contracts.shared import (
    CdrDimension,
    ChargingPeriod,
    CostBreakdown,
    MeterSample,
    Price,
    TariffLock,
)

HOUR = Decimal(3600)
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Usage:
    """What is priced: the session's span, its billed register readings, its parking."""

    start_at: datetime
    meter_start_wh: int
    samples: tuple[MeterSample, ...]
    end_at: datetime
    parking: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Priced:
    periods: tuple[ChargingPeriod, ...]
    costs: CostBreakdown
    total_time_h: Decimal
    total_parking_time_h: Decimal


def _price(p: pricing.Price | None) -> Price | None:
    return None if p is None else Price(excl_vat=p.excl_vat, incl_vat=p.incl_vat)


def _hours(a: datetime, b: datetime) -> Decimal:
    return Decimal(int((b - a).total_seconds())) / HOUR


def _free(usage: Usage) -> Priced:
    """A location with no tariff: the session is measured, and costs nothing."""
    last = usage.samples[-1].energy_wh if usage.samples else usage.meter_start_wh
    hours = _hours(usage.start_at, usage.end_at)
    parking = sum((_hours(a, b) for a, b in usage.parking), Decimal(0))
    dimensions = [
        CdrDimension(type="ENERGY", volume=Decimal(last - usage.meter_start_wh) / 1000),
        CdrDimension(type="TIME", volume=hours),
    ]
    if parking:
        dimensions.append(CdrDimension(type="PARKING_TIME", volume=parking))
    period = ChargingPeriod(start_date_time=usage.start_at, dimensions=tuple(dimensions))
    zero = Price(excl_vat=Decimal(0), incl_vat=Decimal(0))
    return Priced((period,), CostBreakdown(total_cost=zero), hours, parking)


def price(tariff: TariffLock | None, time_zone: str, usage: Usage) -> Priced:
    """Charging periods, costs, total and parking hours of the session up to its end."""
    if tariff is None:
        return _free(usage)
    engine_usage = pricing.SessionUsage(
        start_at=usage.start_at,
        meter_start_wh=usage.meter_start_wh,
        end_at=usage.end_at,
        samples=tuple(
            pricing.MeterSample(
                at=s.at, energy_wh=s.energy_wh, power_w=s.power_w, current_a=s.current_a
            )
            for s in usage.samples
        ),
        parking=usage.parking,
    )
    priced = pricing.price_session(
        pricing.tariff_from_ocpi(tariff.tariff), engine_usage, time_zone=time_zone
    )
    periods = tuple(
        ChargingPeriod(
            start_date_time=p.start_date_time,
            tariff_id=p.tariff_id,
            dimensions=tuple(CdrDimension(type=str(d.type), volume=d.volume) for d in p.dimensions),
        )
        for p in priced.charging_periods
    )
    costs = CostBreakdown(
        total_cost=Price(excl_vat=priced.total_cost.excl_vat, incl_vat=priced.total_cost.incl_vat),
        total_fixed_cost=_price(priced.total_fixed_cost),
        total_energy_cost=_price(priced.total_energy_cost),
        total_time_cost=_price(priced.total_time_cost),
        total_parking_cost=_price(priced.total_parking_cost),
        total_reservation_cost=_price(priced.total_reservation_cost),
    )
    return Priced(periods, costs, priced.total_time_h, priced.total_parking_time_h)
