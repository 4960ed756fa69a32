"""Instants at which the local wall clock of a location crosses a tariff's times of day.

OCPI 2.2.1 Tariffs: start_time/end_time/start_date/end_date are local to Location.time_zone.
A restriction is evaluated on the wall clock (what a clock on the charger would show), so the
instants where its outcome can change are: each HH:MM of the restriction on every local day,
local midnight for date and weekday rules, and the zone's UTC-offset changes (at spring
forward the wall clock jumps over an hour, so e.g. 02:30 is reached at 03:00 CEST; at fall back
it shows 02:00-03:00 twice, and both crossings are found by asking for both folds).
Extra candidates are harmless: periods with the same prices are merged afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evroam_pricing.errors import UnknownTimeZoneError

# Offsets never change twice within this step in the tz database; the step only bounds work.
_SCAN_STEP = timedelta(hours=6)
_ONE_SECOND = timedelta(seconds=1)


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (e.g. "Europe/Amsterdam"), or `UnknownTimeZoneError`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZoneError(f"unknown IANA time zone: {name!r}") from None


def wall_clock_boundaries(
    zone: ZoneInfo, start: datetime, end: datetime, times_of_day: Iterable[time]
) -> set[datetime]:
    """UTC instants strictly inside (start, end) where the wall clock shows a time of day
    in `times_of_day`, plus every change of the zone's UTC offset."""
    found = offset_changes(zone, start, end)
    wall_times = set(times_of_day)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    while wall_times and day <= last_day:
        for wall_time in wall_times:
            naive = datetime.combine(day, wall_time)
            for fold in (0, 1):
                found.add(naive.replace(tzinfo=zone, fold=fold).astimezone(UTC))
        day += timedelta(days=1)
    return {instant for instant in found if start < instant < end}


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> set[datetime]:
    """The instants in (start, end] at which the zone's UTC offset changes."""
    changes: set[datetime] = set()
    low = start
    while low < end:
        high = min(low + _SCAN_STEP, end)
        if _offset(zone, low) != _offset(zone, high):
            changes.add(_first_instant_with_new_offset(zone, low, high))
        low = high
    return changes


def _first_instant_with_new_offset(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    # Invariant: low has the old offset, high the new one. Transitions fall on whole seconds,
    # so once the window is a second wide the whole second in (low, high] is the transition.
    old = _offset(zone, low)
    while high - low > _ONE_SECOND:
        middle = low + (high - low) / 2
        if _offset(zone, middle) == old:
            low = middle
        else:
            high = middle
    return high.astimezone(UTC).replace(microsecond=0)


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()
