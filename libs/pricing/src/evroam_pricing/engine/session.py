"""Price a session, an expired reservation, or a preview: the engine's entry points."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from zoneinfo import ZoneInfo

from evroam_pricing.engine.clock import load_zone
from evroam_pricing.engine.ledger import Draft, apply_step_sizes, cost_line, drafts_for
from evroam_pricing.engine.meter import Level, MeterCurve, seconds
from evroam_pricing.engine.periods import Period, charging_period, priced_periods
from evroam_pricing.engine.result import CostCategory, CostLine, PricedSession
from evroam_pricing.engine.rounding import ARITHMETIC, clamp, round_price, total
from evroam_pricing.engine.segments import (
    Segment,
    phase_start_moment,
    reservation_segments,
    session_segments,
)
from evroam_pricing.engine.selection import EXPIRES, RES, Phase, select
from evroam_pricing.engine.usage import MeterSample, Reservation, SessionUsage
from evroam_pricing.errors import TariffNotInForceError
from evroam_pricing.model.tariff import Price, Tariff, TariffDimensionType

# OCPI 2.2.1 Tariffs: FLAT is owed once per phase it belongs to: the session's start fee, the
# reservation fee, and the expiry fee only when the reservation expired unused.
_FLAT_CLASSES = {
    Phase.SESSION: ((None,),),
    Phase.RESERVATION: ((RES,),),
    Phase.EXPIRED_RESERVATION: ((RES,), (EXPIRES,)),
}


def price_session(tariff: Tariff, usage: SessionUsage, *, time_zone: str) -> PricedSession:
    """Price `usage` with `tariff`; restrictions are read in `time_zone` (IANA, the
    Location.time_zone). The tariff must be in force when the session (or its reservation)
    starts. Amounts are rounded once, at the end (see `rounding`)."""
    zone = load_zone(time_zone)
    require_in_force(tariff, usage.reservation.start_at if usage.reservation else usage.start_at)
    with localcontext(ARITHMETIC):
        curve = MeterCurve(usage)
        segments: list[Segment] = []
        flats: list[Draft] = []
        if usage.reservation is not None:
            reservation = usage.reservation
            segments += reservation_segments(tariff, reservation, Phase.RESERVATION, zone)
            flats += flat_drafts(
                tariff, Phase.RESERVATION, reservation.start_at, reservation.end_at, zone, None
            )
        segments += session_segments(tariff, usage, curve, zone)
        level = curve.level_after(usage.start_at)
        flats += flat_drafts(tariff, Phase.SESSION, usage.start_at, usage.end_at, zone, level)
        parking_s = sum((seconds(b - a) for a, b in usage.parking), Decimal(0))
        return summarise(
            tariff,
            priced_periods(tariff, segments),
            flats,
            energy_wh=curve.end_wh - curve.start_wh,
            time_s=seconds(usage.end_at - usage.start_at),
            parking_s=parking_s,
        )


def price_expired_reservation(
    tariff: Tariff, reservation: Reservation, *, time_zone: str
) -> PricedSession:
    """Price a reservation that expired without a session (OCPI 2.2.1 Tariffs:
    RESERVATION_EXPIRES): reservation time and fees only, no energy, no session time."""
    zone = load_zone(time_zone)
    require_in_force(tariff, reservation.start_at)
    with localcontext(ARITHMETIC):
        phase = Phase.EXPIRED_RESERVATION
        segments = reservation_segments(tariff, reservation, phase, zone)
        flats = flat_drafts(tariff, phase, reservation.start_at, reservation.end_at, zone, None)
        zero = Decimal(0)
        return summarise(
            tariff,
            priced_periods(tariff, segments),
            flats,
            energy_wh=zero,
            time_s=zero,
            parking_s=zero,
        )


def preview(
    tariff: Tariff,
    *,
    start_at: datetime,
    energy_wh: int,
    duration: timedelta,
    time_zone: str,
    power_w: int | None = None,
    current_a: Decimal | None = None,
    parking: timedelta = timedelta(0),
) -> PricedSession:
    """Estimate the price of a session before it starts: `energy_wh` delivered at constant
    power over `duration` (power_w, if given, is the level restrictions see; otherwise the
    average), optionally followed by `parking`. Priced exactly like a real session."""
    charged_at = start_at + duration
    end_at = charged_at + parking
    sample = MeterSample(at=charged_at, energy_wh=energy_wh, power_w=power_w, current_a=current_a)
    usage = SessionUsage(
        start_at=start_at,
        meter_start_wh=0,
        samples=(sample,),
        end_at=end_at,
        parking=((charged_at, end_at),) if parking else (),
    )
    return price_session(tariff, usage, time_zone=time_zone)


def flat_drafts(
    tariff: Tariff,
    phase: Phase,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    level: Level | None,
) -> list[Draft]:
    """The FLAT fees owed for `phase` (shared with `recompute`, which prices CDR periods).

    `level` is the charging level when the phase starts (None for a reservation)."""
    # The spec does not say when a restricted FLAT is evaluated; the start of its phase
    # reproduces every example (digest 4.6).
    moment = phase_start_moment(start, zone, level or Level(None, None))
    category = CostCategory.FIXED if phase is Phase.SESSION else CostCategory.RESERVATION
    drafts = []
    for classes in _FLAT_CLASSES[phase]:
        chosen = select(tariff, TariffDimensionType.FLAT, moment, classes)
        if chosen is not None:
            drafts.append(Draft(category, chosen, Decimal(1), start, end))
    return drafts


def summarise(
    tariff: Tariff,
    periods: Sequence[Period],
    flats: Sequence[Draft],
    *,
    energy_wh: Decimal,
    time_s: Decimal,
    parking_s: Decimal,
) -> PricedSession:
    """Priced periods and FLAT drafts -> the PricedSession. Shared by every entry point (and
    `recompute`) so that step_size, min/max_price, VAT and rounding happen once, here."""
    drafts = apply_step_sizes(drafts_for(periods))
    ordered = sorted(
        [*flats, *drafts],
        key=lambda d: (d.from_at, d.dimension is not TariffDimensionType.FLAT),
    )
    lines = tuple(cost_line(d) for d in ordered)
    currency = tariff.currency
    subtotal = total(line.cost for line in lines)
    return PricedSession(
        currency=currency,
        charging_periods=tuple(charging_period(p, tariff.id) for p in periods),
        # The one rounding step: clamp at full precision, then round (see rounding.py).
        total_cost=round_price(clamp(subtotal, tariff.min_price, tariff.max_price), currency),
        total_fixed_cost=_category_total(lines, CostCategory.FIXED, currency),
        total_energy_cost=_category_total(lines, CostCategory.ENERGY, currency),
        total_time_cost=_category_total(lines, CostCategory.TIME, currency),
        total_parking_cost=_category_total(lines, CostCategory.PARKING_TIME, currency),
        total_reservation_cost=_category_total(lines, CostCategory.RESERVATION, currency),
        total_energy_kwh=energy_wh / 1000,
        total_time_h=time_s / 3600,
        total_parking_time_h=parking_s / 3600,
        lines=lines,
    )


def _category_total(
    lines: Sequence[CostLine], category: CostCategory, currency: str
) -> Price | None:
    costs = [line.cost for line in lines if line.category is category]
    return round_price(total(costs), currency) if costs else None


def require_in_force(tariff: Tariff, start: datetime) -> None:
    """OCPI 2.2.1 Tariffs: a tariff prices only sessions that start in its validity window."""
    if not tariff.in_force_at(start):
        raise TariffNotInForceError(
            f"tariff {tariff.id} is not in force at {start} "
            f"({tariff.start_date_time} .. {tariff.end_date_time})"
        )
