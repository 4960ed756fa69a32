"""A CDR's costs priced from its own charging periods with the tariff locked at session start,
through the shared pricing engine: what the eMSP does when it checks our CDR (OCPI 2.2.1 CDR
rules: "enough dimensions for the eMSP to re-compute total_cost"). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import evroam_pricing as pricing
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import ChargingPeriod, CostBreakdown, Price


class RepriceError(ValueError):
    """The CDR's periods cannot be priced (bad periods, a tariff the engine refuses)."""


def _price(p: pricing.Price | None) -> Price | None:
    return None if p is None else Price(excl_vat=p.excl_vat, incl_vat=p.incl_vat)


def _engine_periods(
    periods: tuple[ChargingPeriod, ...], end_at: datetime
) -> tuple[pricing.ChargingPeriod, ...]:
    ends = [p.start_date_time for p in periods[1:]] + [end_at]
    return tuple(
        pricing.ChargingPeriod(
            start_date_time=p.start_date_time,
            end_date_time=end,
            dimensions=tuple(
                pricing.CdrDimension(pricing.CdrDimensionType(d.type), d.volume)
                for d in p.dimensions
            ),
            tariff_id=p.tariff_id,
        )
        for p, end in zip(periods, ends, strict=True)
    )


def free() -> CostBreakdown:
    zero = Decimal(0)
    return CostBreakdown(total_cost=Price(excl_vat=zero, incl_vat=zero))


def reprice(
    periods: tuple[ChargingPeriod, ...],
    start_at: datetime,
    end_at: datetime,
    tariff: Mapping[str, Any] | None,
    time_zone: str,
) -> CostBreakdown:
    """The costs of the periods under `tariff` (OCPI JSON); with no tariff, nothing."""
    if tariff is None:
        return free()
    try:
        priced = pricing.price_charging_periods(
            pricing.tariff_from_ocpi(dict(tariff)),
            _engine_periods(periods, end_at),
            start_at=start_at,
            end_at=end_at,
            time_zone=time_zone,
        )
    except ValueError as exc:  # every PricingError is one
        raise RepriceError(f"{type(exc).__name__}: {exc}") from exc
    return CostBreakdown(
        total_cost=Price(excl_vat=priced.total_cost.excl_vat, incl_vat=priced.total_cost.incl_vat),
        total_fixed_cost=_price(priced.total_fixed_cost),
        total_energy_cost=_price(priced.total_energy_cost),
        total_time_cost=_price(priced.total_time_cost),
        total_parking_cost=_price(priced.total_parking_cost),
        total_reservation_cost=_price(priced.total_reservation_cost),
    )


@dataclass(frozen=True)
class Repriced:
    """The costs the CDR's periods come to, or why they cannot be priced."""

    costs: CostBreakdown | None
    error: str | None = None


def reprice_cdr(cdr: Cdr, time_zone: str) -> Repriced:
    """With the tariff the CDR carries (the one locked at session start), as the eMSP would."""
    tariff = cdr.tariffs[0] if cdr.tariffs else None
    try:
        costs = reprice(
            cdr.charging_periods, cdr.start_date_time, cdr.end_date_time, tariff, time_zone
        )
    except RepriceError as exc:
        return Repriced(None, str(exc))
    return Repriced(costs)
