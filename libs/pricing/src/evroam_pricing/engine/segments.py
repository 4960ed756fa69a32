"""Cut a session (or a reservation) into segments within which nothing relevant changes.

A segment ends at every instant where a restriction's outcome or the measured level may change:
each meter sample, parking start and end, the wall-clock times of the tariff (see clock.py),
`min_duration`/`max_duration` after the phase start, and the instants the session energy
reaches `min_kwh`/`max_kwh`. Inside a segment the moment at its start holds throughout, which
is how OCPI 2.2.1 CDRs: ChargingPeriod asks periods to be cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from evroam_pricing.engine.clock import wall_clock_boundaries
from evroam_pricing.engine.meter import Level, MeterCurve, seconds
from evroam_pricing.engine.selection import Moment, Phase
from evroam_pricing.engine.usage import Reservation, SessionUsage
from evroam_pricing.model.tariff import Tariff, TariffRestrictions


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    phase: Phase
    parking: bool
    energy_wh: Decimal
    moment: Moment


def session_segments(
    tariff: Tariff, usage: SessionUsage, curve: MeterCurve, zone: ZoneInfo
) -> list[Segment]:
    start, end = _utc(usage.start_at), _utc(usage.end_at)
    cuts = _tariff_cuts(tariff, zone, start, end)
    cuts |= {_utc(s.at) for s in usage.samples}
    cuts |= {_utc(edge) for interval in usage.parking for edge in interval}
    for threshold in _kwh_thresholds(tariff):
        reached = curve.reaching(curve.start_wh + threshold * 1000)
        if reached is not None:
            cuts.add(_utc(reached))
    parking = [(_utc(a), _utc(b)) for a, b in usage.parking]
    points = _points(start, end, cuts)
    energies = [curve.energy_at(p) for p in points]
    segments = []
    for (a, b), (wh_a, wh_b) in zip(pairwise(points), pairwise(energies), strict=True):
        level = curve.level_after(a)
        moment = _moment(a, zone, wh_a - curve.start_wh, a - start, level)
        in_parking = any(p0 <= a < p1 for p0, p1 in parking)
        segments.append(Segment(a, b, Phase.SESSION, in_parking, wh_b - wh_a, moment))
    return segments


def reservation_segments(
    tariff: Tariff, reservation: Reservation, phase: Phase, zone: ZoneInfo
) -> list[Segment]:
    """Reservation time: no energy, no level; durations count from the reservation start."""
    start, end = _utc(reservation.start_at), _utc(reservation.end_at)
    points = _points(start, end, _tariff_cuts(tariff, zone, start, end))
    unknown = Level(None, None)
    return [
        Segment(a, b, phase, False, Decimal(0), _moment(a, zone, Decimal(0), a - start, unknown))
        for a, b in pairwise(points)
    ]


def phase_start_moment(start: datetime, zone: ZoneInfo, level: Level) -> Moment:
    """The moment a FLAT fee is evaluated at: the start of its phase."""
    return _moment(_utc(start), zone, Decimal(0), timedelta(0), level)


def _moment(
    at: datetime, zone: ZoneInfo, energy_wh: Decimal, elapsed: timedelta, level: Level
) -> Moment:
    return Moment(at.astimezone(zone), energy_wh, seconds(elapsed), level.power_w, level.current_a)


def _tariff_cuts(tariff: Tariff, zone: ZoneInfo, start: datetime, end: datetime) -> set[datetime]:
    restrictions = _restrictions(tariff)
    times: set[time] = set()
    for r in restrictions:
        times |= {t for t in (r.start_time, r.end_time) if t is not None}
        if r.start_date or r.end_date or r.day_of_week:
            times.add(time(0))
    cuts = wall_clock_boundaries(zone, start, end, times) if times else set()
    for r in restrictions:
        for limit in (r.min_duration, r.max_duration):
            if limit is not None:
                cuts.add(start + timedelta(seconds=limit))
    return cuts


def _kwh_thresholds(tariff: Tariff) -> set[Decimal]:
    return {
        kwh
        for r in _restrictions(tariff)
        for kwh in (r.min_kwh, r.max_kwh)
        if kwh is not None and kwh > 0
    }


def _restrictions(tariff: Tariff) -> list[TariffRestrictions]:
    return [e.restrictions for e in tariff.elements if e.restrictions is not None]


def _points(start: datetime, end: datetime, cuts: set[datetime]) -> list[datetime]:
    if start == end:
        return [start]
    return sorted({start, end} | {c for c in cuts if start < c < end})


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)
