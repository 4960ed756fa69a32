"""Parking (idle) time: the car is still connected but no longer takes energy. Pure.

Read from the charging state the station reports: OCPP 1.6 connector status SUSPENDED_EV,
OCPP 2.0.1 chargingState SuspendedEV or EVConnected. Only after energy began to flow in the
session: a car that is slow to start drawing is not parking. SUSPENDED_EVSE is the station
holding power back, which the driver is not charged for; FINISHING and AVAILABLE come after
the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from evroam_contracts.session import ChargingStateChange

PARKING = frozenset({"SUSPENDED_EV", "SuspendedEV", "EVConnected"})
CHARGING = frozenset({"CHARGING", "Charging"})

Interval = tuple[datetime, datetime]


def parking_intervals(
    changes: Iterable[ChargingStateChange],
    start: datetime,
    end: datetime,
    energy_seen_at: datetime | None = None,
) -> tuple[Interval, ...]:
    """`energy_seen_at`: the first reading that shows energy taken (an OCPP 2.0.1 Started
    says "Charging" in a message the session does not see, so readings count as well)."""
    intervals: list[Interval] = []
    charged, parked_since = False, None
    for change in sorted(changes, key=lambda c: c.at):
        at = min(max(change.at, start), end)
        if change.state in CHARGING or (energy_seen_at is not None and change.at >= energy_seen_at):
            charged = True
        if parked_since is not None and change.state not in PARKING:
            intervals.append((parked_since, at))
            parked_since = None
        elif parked_since is None and charged and change.state in PARKING:
            parked_since = at
    if parked_since is not None:
        intervals.append((parked_since, end))
    return tuple((a, b) for a, b in intervals if a < b)
