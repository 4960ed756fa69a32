"""The session's running cost from the shared pricing engine (one implementation of pricing
in the whole project), and the translation of its result into contract types. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import evroam_pricing as pricing
from evroam_contracts.session import SessionStarted
from evroam_contracts.shared import CdrDimension, ChargingPeriod, CostBreakdown, MeterSample, Price

HOUR = Decimal(3600)


def usable_samples(
    started: SessionStarted, samples: Iterable[MeterSample], end_at: datetime
) -> list[MeterSample]:
    """Samples inside the session, in time order, one per instant, register never going back.

    Stations repeat samples (MeterValues then transactionData) and can send them out of
    order; a reading below an earlier one cannot be billed and is left out.
    """
    by_time = {s.at: s for s in samples if started.started_at < s.at <= end_at}
    kept: list[MeterSample] = []
    for s in sorted(by_time.values(), key=lambda s: s.at):
        if s.energy_wh >= (kept[-1].energy_wh if kept else started.meter_start_wh):
            kept.append(s)
    return kept


def _price(p: pricing.Price | None) -> Price | None:
    return None if p is None else Price(excl_vat=p.excl_vat, incl_vat=p.incl_vat)


def price(
    started: SessionStarted, samples: list[MeterSample], end_at: datetime
) -> tuple[tuple[ChargingPeriod, ...], CostBreakdown, Decimal]:
    """Charging periods, costs and total hours of the session up to `end_at`."""
    if started.tariff is None:
        kwh = (
            Decimal(
                (samples[-1].energy_wh if samples else started.meter_start_wh)
                - started.meter_start_wh
            )
            / 1000
        )
        hours = Decimal((end_at - started.started_at).total_seconds()) / HOUR
        period = ChargingPeriod(
            start_date_time=started.started_at,
            dimensions=(
                CdrDimension(type="ENERGY", volume=kwh),
                CdrDimension(type="TIME", volume=hours),
            ),
        )
        return (
            (period,),
            CostBreakdown(total_cost=Price(excl_vat=Decimal(0), incl_vat=Decimal(0))),
            hours,
        )
    usage = pricing.SessionUsage(
        start_at=started.started_at,
        meter_start_wh=started.meter_start_wh,
        end_at=end_at,
        samples=tuple(
            pricing.MeterSample(
                at=s.at, energy_wh=s.energy_wh, power_w=s.power_w, current_a=s.current_a
            )
            for s in samples
        ),
    )
    priced = pricing.price_session(
        pricing.tariff_from_ocpi(started.tariff.tariff), usage, time_zone=started.location.time_zone
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
    return periods, costs, priced.total_time_h
