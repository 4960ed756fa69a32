"""The energy register as a function of time, and the charging level in each sample interval.

Between two readings the register is taken to rise linearly in time: when a period boundary
(17:00, a duration limit, ...) falls inside a sample interval, the interval's energy is split
in proportion to the time on each side. Interpolated readings are kept to 1 µWh, far below any
meter's resolution, so that sums of pieces add up exactly to the readings they came from.
After the last sample the register stays flat.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from evroam_pricing.engine.usage import SessionUsage

MICRO_WH = Decimal("0.000001")
_ONE_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class Level:
    """Charging level during a sample interval; None where nothing is known."""

    power_w: Decimal | None
    current_a: Decimal | None


@dataclass(frozen=True)
class _Interval:
    start: datetime
    end: datetime
    start_wh: Decimal
    end_wh: Decimal
    level: Level

    def energy_at(self, t: datetime) -> Decimal:
        if t >= self.end:
            return self.end_wh
        rise = self.end_wh - self.start_wh
        fraction = Decimal(micros(t - self.start)) / Decimal(micros(self.end - self.start))
        return (self.start_wh + rise * fraction).quantize(MICRO_WH)


class MeterCurve:
    """Register readings of one session, from `start_at` to `end_at`."""

    def __init__(self, usage: SessionUsage) -> None:
        self._intervals = _intervals(usage)
        self._starts = [i.start for i in self._intervals]
        self.start_wh = Decimal(usage.meter_start_wh)
        self.end_wh = self._intervals[-1].end_wh if self._intervals else self.start_wh

    def energy_at(self, t: datetime) -> Decimal:
        """The register at `t` in Wh, interpolated linearly inside a sample interval."""
        interval = self._interval_at(t)
        return self.start_wh if interval is None else interval.energy_at(t)

    def level_after(self, t: datetime) -> Level:
        """The level of the sample interval that starts at or contains `t`."""
        interval = self._interval_at(t)
        return Level(None, None) if interval is None else interval.level

    def reaching(self, register_wh: Decimal) -> datetime | None:
        """The first instant at which the register is at least `register_wh`, if inside."""
        for i in self._intervals:
            if i.start_wh < register_wh <= i.end_wh:
                share = (register_wh - i.start_wh) / (i.end_wh - i.start_wh)
                offset = (share * micros(i.end - i.start)).to_integral_value(ROUND_CEILING)
                # Rounding the instant up keeps the register at or above the threshold there.
                return min(i.start + int(offset) * _ONE_US, i.end)
        return None

    def _interval_at(self, t: datetime) -> _Interval | None:
        index = bisect_right(self._starts, t) - 1
        return self._intervals[index] if index >= 0 else None


def _intervals(usage: SessionUsage) -> list[_Interval]:
    intervals: list[_Interval] = []
    at, wh = usage.start_at, Decimal(usage.meter_start_wh)
    for sample in usage.samples:
        if sample.at == at:
            continue
        end_wh = Decimal(sample.energy_wh)
        power = sample.power_w
        level = Level(
            Decimal(power) if power is not None else _average_power_w(wh, end_wh, at, sample.at),
            sample.current_a,
        )
        intervals.append(_Interval(at, sample.at, wh, end_wh, level))
        at, wh = sample.at, end_wh
    if at < usage.end_at:
        intervals.append(_Interval(at, usage.end_at, wh, wh, Level(Decimal(0), None)))
    return intervals


def _average_power_w(start_wh: Decimal, end_wh: Decimal, start: datetime, end: datetime) -> Decimal:
    return (end_wh - start_wh) * 3_600_000_000 / micros(end - start)


def micros(delta: timedelta) -> int:
    return delta // _ONE_US


def seconds(delta: timedelta) -> Decimal:
    """A duration in seconds, exactly (microsecond resolution)."""
    return Decimal(micros(delta)).scaleb(-6)
