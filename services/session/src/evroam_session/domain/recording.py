"""How a decision is recorded: the station data it folds in (with the figures they give), and
how a session is closed (completed, corrected, or declared invalid). Shared by every decision
in `decider`. Pure."""

from __future__ import annotations

from datetime import datetime

from evroam_contracts.session import (
    ChargingStateChange,
    ClockReading,
    SessionCompleted,
    SessionCorrected,
    SessionInvalidated,
    SessionUpdated,
)
from evroam_contracts.shared import MeterSample, SignedReading
from evroam_session.domain.figures import StartUnknownError, figures
from evroam_session.domain.signed import new_readings, signed_data
from evroam_session.domain.state import End, SessionEvent, SessionState, evolve


def invalid(state: SessionState, reason: str, at: datetime, end: End | None) -> SessionEvent:
    started = state.started or state.pending
    return SessionInvalidated(
        session_id=state.session_id,
        reason=reason,
        invalidated_at=at,
        station_id=started.station_id if started else None,
        transaction_id=started.transaction_id if started else None,
        ended_at=end.at if end else None,
        meter_stop_wh=end.meter_stop_wh if end else None,
        stop_reason=end.reason if end else None,
    )


def fold_in(
    state: SessionState,
    at: datetime,
    *,
    samples: tuple[MeterSample, ...] = (),
    states: tuple[ChargingStateChange, ...] = (),
    clock: tuple[ClockReading, ...] = (),
    flags: tuple[str, ...] = (),
    signed: tuple[SignedReading, ...] = (),
    force: bool = False,
    report: bool = True,
) -> list[SessionEvent]:
    """Record what is new of the station data (nothing new: no event), with the figures it
    gives an ACTIVE session (unless not to `report` them); data reaching a session that has
    ended corrects it."""
    known = {s.at for s in state.samples}
    update = SessionUpdated(
        session_id=state.session_id,
        samples=tuple(s for s in samples if s.at not in known),
        charging_states=tuple(c for c in states if c not in state.charging_states),
        clock=tuple(c for c in clock if c not in state.clock),
        flags=tuple(f for f in flags if f not in state.flags),
        signed=new_readings(state.signed, signed),
        kwh=0,
        charging_periods=(),
        updated_at=at,
    )
    new = (update.samples, update.charging_states, update.clock, update.flags, update.signed)
    if not (any(new) or force):
        return []
    after = evolve(state, update)
    if not report:
        return [update]
    if state.end is not None and state.started is not None:
        return [update, *close(after, state.end, "station data arrived after it was completed")]
    if after.status != "ACTIVE":
        return [update]
    try:
        f = figures(after, None)
    except StartUnknownError:
        return [update]
    return [
        update.model_copy(
            update={
                "kwh": f.kwh,
                "charging_periods": f.priced.periods,
                "costs": f.priced.costs,
                "total_parking_time_h": f.priced.total_parking_time_h,
                "warnings": f.warnings,
                "started_at": f.started_at,
            }
        )
    ]


def folded(state: SessionState, events: list[SessionEvent]) -> SessionState:
    for e in events:
        state = evolve(state, e)
    return state


def close(state: SessionState, end: End, correction: str | None) -> list[SessionEvent]:
    """The completed session (or, if it was completed before, its correction; nothing when
    the correction would change nothing)."""
    started = state.started
    assert started is not None
    try:
        f = figures(state, end)
    except StartUnknownError as e:
        if state.status == "INVALID":
            return []  # still no start: it stays invalid, for the same reason
        return [invalid(state, str(e), end.received_at or end.at, end)]
    signed, left_out = signed_data(state.signed)
    completed = SessionCompleted(
        session_id=state.session_id,
        station_id=started.station_id,
        transaction_id=started.transaction_id,
        started_at=f.started_at,
        ended_at=f.ended_at,
        meter_start_wh=f.meter_start_wh,
        meter_stop_wh=end.meter_stop_wh,
        kwh=f.kwh,
        location=started.location,
        cdr_token=started.cdr_token,
        auth_method=started.auth_method,
        authorization_reference=started.authorization_reference,
        tariff=started.tariff,
        currency=started.currency,
        charging_periods=f.priced.periods,
        costs=f.priced.costs,
        total_time_h=f.priced.total_time_h,
        total_parking_time_h=f.priced.total_parking_time_h,
        stop_reason=end.reason,
        warnings=(*f.warnings, *left_out),
        station_clock_offset_s=int(f.offset.total_seconds()),
        opened_by=started.opened_by,
        closed_by_csms=end.closed_by_csms,
        signed_data=signed,
    )
    previous = state.completed
    if previous is None:
        return [completed]
    if _same(previous, completed):
        return []
    return [
        SessionCorrected(
            **completed.model_dump(),
            revision=state.revision + 1,
            correction_reason=correction or "corrected",
        )
    ]


def _same(a: SessionCompleted, b: SessionCompleted) -> bool:
    fields = set(SessionCompleted.model_fields)
    return a.model_dump(include=fields) == b.model_dump(include=fields)
