"""Segments -> priced periods -> OCPI ChargingPeriods.

Each segment gets its active component per dimension; neighbouring segments with the same
components (and the same charging/parking state) are merged, so a new period starts exactly
where another component becomes active (OCPI 2.2.1 CDRs: ChargingPeriod), at parking edges,
and, when the tariff restricts power or current, where the level changes: the CDR must carry
enough for the eMSP to re-compute total_cost (OCPI 2.2.1 CDR rules), and a merged period
shows only the min and max level over its span.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from evroam_pricing.engine.meter import seconds
from evroam_pricing.engine.result import CdrDimension, CdrDimensionType, ChargingPeriod
from evroam_pricing.engine.segments import Segment
from evroam_pricing.engine.selection import ELEMENT_CLASSES, Phase, Selected, select
from evroam_pricing.model.tariff import Tariff, TariffDimensionType

Dim = TariffDimensionType


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    phase: Phase
    parking: bool
    energy_wh: Decimal
    powers_w: tuple[Decimal, ...]
    currents_a: tuple[Decimal, ...]
    selected: tuple[tuple[TariffDimensionType, Selected], ...]

    @property
    def seconds(self) -> Decimal:
        return seconds(self.end - self.start)

    def component(self, dimension: TariffDimensionType) -> Selected | None:
        return next((s for d, s in self.selected if d == dimension), None)


def priced_periods(tariff: Tariff, segments: Iterable[Segment]) -> list[Period]:
    keep_levels = _restricts_levels(tariff)
    periods: list[Period] = []
    for segment in segments:
        period = _period(tariff, segment)
        last = periods[-1] if periods else None
        if (
            last
            and (last.phase, last.parking, last.selected)
            == (period.phase, period.parking, period.selected)
            and (not keep_levels or _same_level(last, period))
        ):
            periods[-1] = _merge(last, period)
        else:
            periods.append(period)
    return periods


def _restricts_levels(tariff: Tariff) -> bool:
    """Does any element depend on power or current? Then stretches of different levels stay
    apart: a merged period only shows its min and max level, and an eMSP re-pricing the CDR
    would read the restrictions at a level (MIN_POWER) charging never had at that moment."""
    return any(
        getattr(e.restrictions, bound) is not None
        for e in tariff.elements
        if e.restrictions is not None
        for bound in ("min_power", "max_power", "min_current", "max_current")
    )


def _same_level(first: Period, second: Period) -> bool:
    return set(first.powers_w) == set(second.powers_w) and set(first.currents_a) == set(
        second.currents_a
    )


def charging_period(period: Period, tariff_id: str) -> ChargingPeriod:
    hours = period.seconds / 3600
    dims: list[tuple[CdrDimensionType, Decimal]] = []
    if period.phase is not Phase.SESSION:
        dims.append((CdrDimensionType.RESERVATION_TIME, hours))
    elif period.parking:
        dims.append((CdrDimensionType.PARKING_TIME, hours))
    else:
        dims.append((CdrDimensionType.TIME, hours))
    if period.phase is Phase.SESSION and (period.energy_wh or not period.parking):
        dims.insert(0, (CdrDimensionType.ENERGY, period.energy_wh / 1000))
    if period.powers_w:
        dims.append((CdrDimensionType.MIN_POWER, min(period.powers_w) / 1000))
        dims.append((CdrDimensionType.MAX_POWER, max(period.powers_w) / 1000))
    if period.currents_a:
        dims.append((CdrDimensionType.MIN_CURRENT, min(period.currents_a)))
        dims.append((CdrDimensionType.MAX_CURRENT, max(period.currents_a)))
    return ChargingPeriod(
        start_date_time=period.start,
        end_date_time=period.end,
        dimensions=tuple(CdrDimension(t, v) for t, v in dims),
        tariff_id=tariff_id,
    )


def _period(tariff: Tariff, segment: Segment) -> Period:
    classes = ELEMENT_CLASSES[segment.phase]
    selected = []
    for dimension in _priced_dimensions(segment):
        chosen = select(tariff, dimension, segment.moment, classes)
        if chosen is not None:
            selected.append((dimension, chosen))
    moment = segment.moment
    return Period(
        start=segment.start,
        end=segment.end,
        phase=segment.phase,
        parking=segment.parking,
        energy_wh=segment.energy_wh,
        powers_w=() if moment.power_w is None else (moment.power_w,),
        currents_a=() if moment.current_a is None else (moment.current_a,),
        selected=tuple(selected),
    )


def _priced_dimensions(segment: Segment) -> tuple[TariffDimensionType, ...]:
    # OCPI 2.2.1 Tariffs: TariffDimensionType — TIME is time charging, PARKING_TIME time not
    # charging; in a reservation TIME prices the reservation time. FLAT is priced once, apart.
    if segment.phase is not Phase.SESSION:
        return (Dim.TIME,)
    return (Dim.ENERGY, Dim.PARKING_TIME if segment.parking else Dim.TIME)


def _merge(first: Period, second: Period) -> Period:
    return replace(
        first,
        end=second.end,
        energy_wh=first.energy_wh + second.energy_wh,
        powers_w=_extremes(first.powers_w + second.powers_w),
        currents_a=_extremes(first.currents_a + second.currents_a),
    )


def _extremes(values: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    return (min(values), max(values)) if values else ()
