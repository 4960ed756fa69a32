"""Issuing the CDR of a session: one session, one CDR, for ever. Pure: the completed session
comes in whole, and nothing depends on the clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from evroam_cdr.domain.cdr import build_cdr
from evroam_cdr.domain.checks import check_session
from evroam_contracts.cdr import CdrIssued
from evroam_contracts.session import SessionCompleted


@dataclass(frozen=True)
class IssueCdr:
    session: SessionCompleted


@dataclass(frozen=True)
class CdrState:
    """The CDR stream of one session; `cdr_id` is None until its CDR is issued."""

    cdr_id: str | None = None


def decide(command: IssueCdr, state: CdrState) -> list[CdrIssued]:
    """A duplicate or replayed session.completed finds the CDR issued and changes nothing;
    only then are the checks run, so a replay is never dead-lettered."""
    if state.cdr_id is not None:
        return []
    session = command.session
    check_session(session)
    return [CdrIssued(cdr=build_cdr(session), time_zone=session.location.time_zone)]


def evolve(state: CdrState, event: CdrIssued) -> CdrState:
    return CdrState(cdr_id=event.cdr.id)


def fold(events: Iterable[CdrIssued]) -> CdrState:
    state = CdrState()
    for event in events:
        state = evolve(state, event)
    return state
