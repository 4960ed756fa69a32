"""What was measured during a session: the engine's input, valid by construction.

All instants are aware datetimes (UTC by house rule; any offset compares correctly). Energy is
the cumulative import register in Wh, power in W, current in A summed over phases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from evroam_pricing.errors import (
    InvalidParkingIntervalError,
    InvalidSessionSpanError,
    MeterRollbackError,
    NaiveDatetimeError,
    ReservationMismatchError,
    SampleOrderError,
)


@dataclass(frozen=True)
class MeterSample:
    """A meter reading at `at`.

    `power_w` and `current_a` describe the interval that ends at this sample (what a station
    reports in a periodic meter value); when `power_w` is absent the engine uses the average
    power of that interval, derived from the energy register.
    """

    at: datetime
    energy_wh: int
    power_w: int | None = None
    current_a: Decimal | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, "MeterSample.at")


@dataclass(frozen=True)
class Reservation:
    """The time an EVSE was reserved for the driver (OCPI 2.2.1 Tariffs: reservation)."""

    start_at: datetime
    end_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.start_at, "Reservation.start_at")
        require_aware(self.end_at, "Reservation.end_at")
        if self.end_at < self.start_at:
            raise InvalidSessionSpanError(f"reservation ends {self.end_at} before it starts")


@dataclass(frozen=True)
class SessionUsage:
    """A session from `start_at` to `end_at` (plug-in to unplug, or as the CDR spans it).

    `samples` are the register readings in time order; the last one should be the meter stop
    reading at `end_at`, because no energy is assumed after the last sample. `parking` lists
    the intervals in which the EV was connected but not requesting power. A `reservation`
    that preceded the session must end at `start_at`.
    """

    start_at: datetime
    meter_start_wh: int
    samples: tuple[MeterSample, ...]
    end_at: datetime
    parking: tuple[tuple[datetime, datetime], ...] = ()
    reservation: Reservation | None = None

    def __post_init__(self) -> None:
        require_aware(self.start_at, "SessionUsage.start_at")
        require_aware(self.end_at, "SessionUsage.end_at")
        if self.end_at < self.start_at:
            raise InvalidSessionSpanError(f"session ends {self.end_at} before {self.start_at}")
        self._check_samples()
        self._check_parking()
        if self.reservation is not None and self.reservation.end_at != self.start_at:
            raise ReservationMismatchError(
                f"reservation ends {self.reservation.end_at}, session starts {self.start_at}"
            )

    def _check_samples(self) -> None:
        last_at, last_wh = self.start_at, self.meter_start_wh
        for sample in self.samples:
            if sample.energy_wh < last_wh:
                raise MeterRollbackError(f"register falls to {sample.energy_wh} Wh at {sample.at}")
            if sample.at > self.end_at:
                raise SampleOrderError(f"sample at {sample.at} is after the session end")
            # A repeated reading at the same instant is harmless; energy in zero time is not.
            repeated = sample.at == last_at and sample.energy_wh == last_wh
            if sample.at <= last_at and not repeated:
                raise SampleOrderError(f"sample at {sample.at} is not after {last_at}")
            last_at, last_wh = sample.at, sample.energy_wh

    def _check_parking(self) -> None:
        previous_end = self.start_at
        for start, end in self.parking:
            require_aware(start, "parking start")
            require_aware(end, "parking end")
            if not previous_end <= start < end <= self.end_at:
                raise InvalidParkingIntervalError(
                    f"parking {start}..{end} is empty, out of order or outside the session"
                )
            previous_end = end


def require_aware(value: datetime, name: str) -> None:
    if value.utcoffset() is None:
        raise NaiveDatetimeError(f"{name} {value} has no time zone")
