"""The charging-session aggregate's state, folded from its own events."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from evroam_contracts.session import (
    SessionCompleted,
    SessionInvalidated,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import MeterSample

Status = Literal["NONE", "ACTIVE", "COMPLETED", "INVALID"]
SessionEvent = SessionStarted | SessionUpdated | SessionCompleted | SessionInvalidated


@dataclass(frozen=True)
class SessionState:
    session_id: str
    status: Status = "NONE"
    started: SessionStarted | None = None
    samples: tuple[MeterSample, ...] = ()


def evolve(state: SessionState, event: SessionEvent) -> SessionState:
    if isinstance(event, SessionStarted):
        return replace(state, status="ACTIVE", started=event)
    if isinstance(event, SessionUpdated):
        return replace(state, samples=state.samples + event.samples)
    if isinstance(event, SessionCompleted):
        return replace(state, status="COMPLETED")
    return replace(state, status="INVALID")
