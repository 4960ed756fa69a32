"""Station clocks that are off. A session's times are the station's own (they are what the
driver saw, and offline replays carry old ones legitimately), unless the evidence says the
station's clock itself is wrong:

- messages all stamped in the future (beyond the tolerance) cannot be a replay: the clock
  is ahead;
- messages that all arrived late by the same amount (within the tolerance), two or more of
  them, are a clock that is behind, not a replay: a replay delivers its queue in seconds, so
  its lateness shrinks from message to message.

The offset is the median difference, whole seconds; corrected time = station time - offset.
OCPP 2.0.1 messages flagged offline are no evidence. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from statistics import median_low

from evroam_contracts.session import ClockReading

TOLERANCE = timedelta(minutes=2)


def station_clock_offset(readings: Iterable[ClockReading]) -> timedelta:
    lags = [r.station_at - r.received_at for r in readings if not r.offline]
    if not lags:
        return timedelta(0)
    steady = max(lags) - min(lags) <= TOLERANCE
    if all(lag > TOLERANCE for lag in lags) or (
        len(lags) >= 2 and steady and all(lag < -TOLERANCE for lag in lags)
    ):
        return timedelta(seconds=round(median_low(lags).total_seconds()))
    # Mixed evidence (a clock set right in the middle of the session, or a replay that
    # ended live): the station's own times stand.
    return timedelta(0)
