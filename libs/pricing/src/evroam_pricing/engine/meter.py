"""The energy register as a function of time, and the charging level in each sample interval.

Between two readings the register is taken to rise linearly in time: when a period boundary
(17:00, a duration limit, ...) falls inside a sample interval, the interval's energy is split
in proportion to the time on each side. Interpolated readings are kept to 1 µWh, far below any
meter's resolution, so that sums of pieces add up exactly to the readings they came from.
After the last sample the register stays flat.

Interpolation and threshold instants are computed exactly (integers and fractions, one rounding
at the end), never from a 28-digit quotient: otherwise the same instant on the same straight
line could read 1 µWh (or a threshold be reached 1 µs) differently depending on which two
readings it lies between, and adding samples on the line would change the price.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from evroam_pricing.engine.usage import SessionUsage

_MICRO_PER_UNIT = 1_000_000  # µWh per Wh, and µs per s
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
    start_wh: int
    end_wh: int
    level: Level

    def energy_at(self, t: datetime) -> Decimal:
        if t >= self.end:
            return Decimal(self.end_wh)
        # start + rise * elapsed / span in µWh, rounded half to even with exact integers.
        span = micros(self.end - self.start)
        risen_uwh, remainder = divmod(
            (self.end_wh - self.start_wh) * _MICRO_PER_UNIT * micros(t - self.start), span
        )
        if 2 * remainder > span or (2 * remainder == span and risen_uwh % 2):
            risen_uwh += 1
        return Decimal(self.start_wh * _MICRO_PER_UNIT + risen_uwh).scaleb(-6)

    def instant_of(self, register_wh: Decimal) -> datetime:
        """The first microsecond at which the register is at least `register_wh` (inside)."""
        share = (Fraction(register_wh) - self.start_wh) / (self.end_wh - self.start_wh)
        # Rounding the instant up keeps the register at or above the threshold there.
        offset = math.ceil(share * micros(self.end - self.start))
        return min(self.start + offset * _ONE_US, self.end)


class MeterCurve:
    """Register readings of one session, from `start_at` to `end_at`."""

    def __init__(self, usage: SessionUsage) -> None:
        self._intervals = _intervals(usage)
        self._starts = [i.start for i in self._intervals]
        self.start_wh = Decimal(usage.meter_start_wh)
        self.end_wh = Decimal(self._intervals[-1].end_wh) if self._intervals else self.start_wh

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
                return i.instant_of(register_wh)
        return None

    def _interval_at(self, t: datetime) -> _Interval | None:
        index = bisect_right(self._starts, t) - 1
        return self._intervals[index] if index >= 0 else None


def _intervals(usage: SessionUsage) -> list[_Interval]:
    intervals: list[_Interval] = []
    at, wh = usage.start_at, usage.meter_start_wh
    for sample in usage.samples:
        if sample.at == at:
            continue
        end_wh = sample.energy_wh
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


def _average_power_w(start_wh: int, end_wh: int, start: datetime, end: datetime) -> Decimal:
    return Decimal((end_wh - start_wh) * 3_600_000_000) / micros(end - start)


def micros(delta: timedelta) -> int:
    return delta // _ONE_US


def seconds(delta: timedelta) -> Decimal:
    """A duration in seconds, exactly (microsecond resolution)."""
    return Decimal(micros(delta)).scaleb(-6)
