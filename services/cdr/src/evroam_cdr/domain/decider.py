"""The CDRs of one session (stream `cdr-<session_id>`): issued, held for review, released or
rejected, and credited when the session is corrected. Pure: the session, what is known about
its references, the policy and `now` come in as arguments.

An issued CDR never changes (OCPI 2.2.1 CDR rules): a correction of the session issues a credit
CDR for the CDR in force and a new CDR. When the new one needs review, both wait for it, so a
rejected correction leaves the original in force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from evroam_cdr.domain.cdr import COST_FIELDS, build_cdr, cdr_id_for, credit_of, same_charge
from evroam_cdr.domain.checks import Known, Policy, reconcile
from evroam_cdr.domain.errors import CorrectionError, NotHeldError, ReviewStillFailingError
from evroam_cdr.domain.pricing import reprice_cdr
from evroam_contracts.cdr import (
    Cdr,
    CdrHeld,
    CdrIssued,
    CdrRejected,
    CdrReleased,
    ReviewReason,
    SessionFacts,
)
from evroam_contracts.session import SessionCompleted, SessionCorrected

CdrEvent = CdrIssued | CdrHeld | CdrReleased | CdrRejected
# What identifies a CDR and its place in the session's history: never a reviewer's to change.
FIXED_FIELDS = frozenset(
    {"id", "country_code", "party_id", "session_id", "credit", "credit_reference_id"}
)


@dataclass(frozen=True)
class IssueCdr:
    session: SessionCompleted
    known: Known
    policy: Policy
    now: datetime

    @property
    def revision(self) -> int:
        s = self.session
        return s.revision if isinstance(s, SessionCorrected) else 0


@dataclass(frozen=True)
class ReleaseCdr:
    """Release a held CDR, with `corrections` (OCPI JSON of the fields to replace) and the
    reason codes the reviewer accepts as they are."""

    cdr_id: str
    reviewer: str
    known: Known
    policy: Policy
    now: datetime
    note: str | None = None
    accept: tuple[str, ...] = ()
    corrections: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class RejectCdr:
    cdr_id: str
    reviewer: str
    reason: str
    now: datetime


@dataclass(frozen=True)
class CdrState:
    current: Cdr | None = None  # the CDR in force: issued and not credited
    held: CdrHeld | None = None  # the CDR waiting for review
    session_revision: int = -1  # the last session revision decided on


def issue(command: IssueCdr, state: CdrState) -> list[CdrEvent]:
    """A session completed or corrected. A revision already decided on (a duplicate or a
    replay) and a correction that bills the same as what stands change nothing."""
    revision = command.revision
    if revision <= state.session_revision:
        return []
    session = command.session
    tz = session.location.time_zone
    draft = build_cdr(
        session,
        cdr_id=cdr_id_for(session.session_id, revision),
        costs=session.costs,
        issued_at=command.now,
    )
    repriced = reprice_cdr(draft, tz)
    if repriced.costs is not None:
        draft = draft.model_copy(update=dict(repriced.costs))
    facts = SessionFacts(
        meter_start_wh=session.meter_start_wh,
        meter_stop_wh=session.meter_stop_wh,
        costs=session.costs,
        warnings=session.warnings,
    )
    reasons = reconcile(draft, repriced, facts, command.known, command.policy, command.now)
    if _unchanged(state, draft, reasons):
        return []
    replaces = state.current.id if state.current else None
    if reasons:
        held = CdrHeld(
            cdr=draft,
            time_zone=tz,
            reasons=reasons,
            facts=facts,
            session_revision=revision,
            replaces=replaces,
            held_at=command.now,
        )
        return [held]
    return [
        *_credit(state, replaces, tz, revision, command.now),
        CdrIssued(cdr=draft, time_zone=tz, session_revision=revision),
    ]


def release(command: ReleaseCdr, state: CdrState) -> list[CdrEvent]:
    held = _held(state, command.cdr_id)
    corrections = dict(command.corrections or {})
    cdr = _corrected(held.cdr, corrections, command.now)
    repriced = reprice_cdr(cdr, held.time_zone)
    if repriced.costs is not None and not corrections.keys() & set(COST_FIELDS):
        # The money follows the corrected measurement, unless the reviewer set it.
        cdr = cdr.model_copy(update=dict(repriced.costs))
    reasons = reconcile(cdr, repriced, held.facts, command.known, command.policy, command.now)
    still = tuple(r for r in reasons if r.code not in command.accept)
    if still:
        raise ReviewStillFailingError(still)
    released = CdrReleased(
        cdr_id=cdr.id,
        reviewer=command.reviewer,
        note=command.note,
        accepted=tuple(sorted({r.code for r in reasons})),
        corrected=tuple(sorted(corrections)),
        released_at=command.now,
    )
    revision = held.session_revision
    return [
        released,
        *_credit(state, held.replaces, held.time_zone, revision, command.now),
        CdrIssued(cdr=cdr, time_zone=held.time_zone, session_revision=revision),
    ]


def reject(command: RejectCdr, state: CdrState) -> list[CdrEvent]:
    _held(state, command.cdr_id)
    return [
        CdrRejected(
            cdr_id=command.cdr_id,
            reviewer=command.reviewer,
            reason=command.reason,
            rejected_at=command.now,
        )
    ]


def _unchanged(state: CdrState, draft: Cdr, reasons: tuple[ReviewReason, ...]) -> bool:
    """The CDR waiting for review, with the same reasons, or the CDR in force: what stands."""
    if state.held is not None:
        return same_charge(draft, state.held.cdr) and reasons == state.held.reasons
    return state.current is not None and same_charge(draft, state.current)


def _held(state: CdrState, cdr_id: str) -> CdrHeld:
    if state.held is None or state.held.cdr.id != cdr_id:
        raise NotHeldError(f"CDR {cdr_id} is not waiting for review")
    return state.held


def _credit(
    state: CdrState, replaces: str | None, tz: str, revision: int, now: datetime
) -> list[CdrEvent]:
    current = state.current
    if replaces is None or current is None or current.id != replaces:
        return []
    return [CdrIssued(cdr=credit_of(current, now), time_zone=tz, session_revision=revision)]


def _corrected(cdr: Cdr, corrections: dict[str, Any], now: datetime) -> Cdr:
    fixed = sorted(FIXED_FIELDS & corrections.keys())
    if fixed:
        raise CorrectionError(f"a reviewer may not change {', '.join(fixed)}")
    unknown = sorted(corrections.keys() - Cdr.model_fields.keys())
    if unknown:
        raise CorrectionError(f"not CDR fields: {', '.join(unknown)}")
    data = {**cdr.model_dump(mode="json"), **corrections, "last_updated": now.isoformat()}
    try:
        return Cdr.model_validate(data)
    except ValidationError as exc:
        raise CorrectionError(f"the corrected CDR is not valid: {exc}") from exc


def evolve(state: CdrState, event: CdrEvent) -> CdrState:
    if isinstance(event, CdrHeld):
        return replace(state, held=event, session_revision=event.session_revision)
    if isinstance(event, CdrRejected):
        return replace(state, held=None)
    if isinstance(event, CdrIssued):
        revision = max(state.session_revision, event.session_revision)
        if event.cdr.credit:
            return replace(state, current=None, session_revision=revision)
        return CdrState(current=event.cdr, held=None, session_revision=revision)
    return state


def fold(events: Iterable[CdrEvent]) -> CdrState:
    state = CdrState()
    for event in events:
        state = evolve(state, event)
    return state
