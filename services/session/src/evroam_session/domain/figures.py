"""What a session amounts to, derived from its state alone: its span with any station clock
offset applied, the billed register, parking, periods and cost. Every decision that reports
figures (an update, the completion, a correction) computes them here, from all the data the
session holds, so that the order in which station data arrived cannot change the result.
Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from evroam_contracts.session import ClockReading, SessionStarted
from evroam_contracts.shared import MeterSample
from evroam_session.domain.clock import station_clock_offset
from evroam_session.domain.meter import register
from evroam_session.domain.parking import parking_intervals
from evroam_session.domain.pricing import Priced, Usage, price
from evroam_session.domain.state import End, SessionState


class StartUnknownError(ValueError):
    """A session reconstructed from a later message has no reading to say where its meter
    began: its energy cannot be known."""


@dataclass(frozen=True)
class Figures:
    started_at: datetime
    meter_start_wh: int
    ended_at: datetime
    offset: timedelta
    kwh: Decimal
    priced: Priced
    warnings: tuple[str, ...]


def _start(started: SessionStarted, samples: tuple[MeterSample, ...]) -> tuple[datetime, int]:
    """The transaction's start, or, when its Started never arrived, its earliest reading."""
    if started.opened_by == "Started":
        return started.started_at, started.meter_start_wh
    earlier = [s for s in samples if s.at < started.started_at]
    if not earlier:
        raise StartUnknownError(
            f"the transaction's start never arrived and no reading before its {started.opened_by}"
            " message shows where its meter began"
        )
    first = min(earlier, key=lambda s: s.at)
    return first.at, first.energy_wh


def figures(state: SessionState, end: End | None) -> Figures:
    started = state.started
    assert started is not None
    samples = state.samples
    if end is not None:
        samples = (*samples, MeterSample(at=end.at, energy_wh=end.meter_stop_wh))
    start_at, meter_start = _start(started, samples)
    warnings = list(state.flags)
    if started.opened_by != "Started":
        warnings.append(
            f"reconstructed: the transaction's start never arrived; it is taken to begin at"
            f" its first reading ({start_at.isoformat()}, {meter_start} Wh)"
        )
    readings = set(state.clock)
    if started.received_at is not None:
        readings.add(
            ClockReading(
                station_at=started.started_at,
                received_at=started.received_at,
                offline=started.offline,
            )
        )
    offset = station_clock_offset(readings)
    latest = max((s.at for s in samples), default=start_at)
    end_at = max(end.at if end is not None else latest, start_at)
    reg = register(meter_start, samples, start_at, end_at)
    warnings += reg.warnings
    if offset:
        warnings.append(
            f"the station's clock was off by {int(offset.total_seconds())} s; times corrected"
        )

    def shifted(at: datetime) -> datetime:
        return at - offset

    changes = tuple(
        c.model_copy(update={"at": shifted(c.at)}) if c.station_clock else c
        for c in state.charging_states
    )
    usage = Usage(
        start_at=shifted(start_at),
        meter_start_wh=meter_start,
        samples=tuple(s.model_copy(update={"at": shifted(s.at)}) for s in reg.samples),
        end_at=shifted(end_at),
        parking=parking_intervals(
            changes,
            shifted(start_at),
            shifted(end_at),
            next((shifted(s.at) for s in reg.samples if s.energy_wh > meter_start), None),
        ),
    )
    priced = price(started.tariff, started.location.time_zone, usage)
    return Figures(
        started_at=usage.start_at,
        meter_start_wh=meter_start,
        ended_at=usage.end_at,
        offset=offset,
        kwh=Decimal(reg.energy_wh(meter_start)) / 1000,
        priced=priced,
        warnings=tuple(dict.fromkeys(warnings)),
    )
