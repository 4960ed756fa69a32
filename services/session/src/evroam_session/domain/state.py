"""The charging-session aggregate's state, folded from its own events only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from evroam_contracts.session import (
    ChargingStateChange,
    ClockReading,
    SessionCompleted,
    SessionCorrected,
    SessionInvalidated,
    SessionPending,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import MeterSample, SignedReading

# OCPI 2.2.1 SessionStatus, plus NONE before the first event. RESERVATION sessions come from
# OCPI RESERVE_NOW, which the roaming service does not send yet.
Status = Literal["NONE", "PENDING", "ACTIVE", "COMPLETED", "INVALID"]
SessionEvent = (
    SessionPending
    | SessionStarted
    | SessionUpdated
    | SessionCompleted
    | SessionCorrected
    | SessionInvalidated
)


@dataclass(frozen=True)
class End:
    """What the transaction's end said, in the station's own clock."""

    at: datetime
    meter_stop_wh: int
    reason: str | None
    received_at: datetime | None = None
    closed_by_csms: bool = False


@dataclass(frozen=True)
class SessionState:
    session_id: str
    status: Status = "NONE"
    pending: SessionPending | None = None
    started: SessionStarted | None = None
    samples: tuple[MeterSample, ...] = ()
    charging_states: tuple[ChargingStateChange, ...] = ()
    clock: tuple[ClockReading, ...] = ()
    flags: tuple[str, ...] = ()
    # The station's signed meter values, in the order they arrived (domain/signed.py).
    signed: tuple[SignedReading, ...] = ()
    end: End | None = None
    # The last completed (or corrected) session, and how many corrections followed it.
    completed: SessionCompleted | None = None
    revision: int = 0
    invalid_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in ("PENDING", "ACTIVE")


def _with_inputs(state: SessionState, e: SessionUpdated) -> SessionState:
    return replace(
        state,
        samples=state.samples + e.samples,
        charging_states=state.charging_states + e.charging_states,
        clock=state.clock + e.clock,
        flags=state.flags + tuple(f for f in e.flags if f not in state.flags),
        signed=state.signed + e.signed,
    )


def _end_of(e: SessionCompleted) -> End:
    # The event's times are corrected for the station's clock; the state keeps its own.
    at = e.ended_at + timedelta(seconds=e.station_clock_offset_s)
    return End(at, e.meter_stop_wh, e.stop_reason, None, e.closed_by_csms)


def evolve(state: SessionState, event: SessionEvent) -> SessionState:
    if isinstance(event, SessionPending):
        return replace(state, status="PENDING", pending=event)
    if isinstance(event, SessionStarted):
        # A second start (the real one, late) replaces the reconstructed one; it does not
        # reopen a session already completed (a correction follows it).
        status: Status = "ACTIVE" if state.status in ("NONE", "PENDING", "ACTIVE") else state.status
        return replace(state, status=status, started=event)
    if isinstance(event, SessionUpdated):
        return _with_inputs(state, event)
    if isinstance(event, SessionCorrected):
        return replace(
            state, status="COMPLETED", completed=event, end=_end_of(event), revision=event.revision
        )
    if isinstance(event, SessionCompleted):
        return replace(state, status="COMPLETED", completed=event, end=_end_of(event))
    end = (
        End(event.ended_at, event.meter_stop_wh, event.stop_reason)
        if event.ended_at is not None and event.meter_stop_wh is not None
        else state.end
    )
    return replace(state, status="INVALID", end=end, invalid_reason=event.reason)
