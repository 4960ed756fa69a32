"""A held CDR is released (corrected, accepting reasons by code) or rejected by a reviewer;
each wrong command gets its own error. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cdr.domain.checks import Known, Policy
from evroam_cdr.domain.decider import CdrEvent, RejectCdr, ReleaseCdr, fold, reject, release
from evroam_cdr.domain.errors import CorrectionError, NotHeldError, ReviewStillFailingError
from evroam_contracts.cdr import CdrHeld, CdrIssued, CdrRejected, CdrReleased
from evroam_contracts.session import SessionCompleted, SessionCorrected

NOW = datetime(2026, 3, 10, 10, 5, tzinfo=UTC)  # the sample session ended at 10:00
Decide = Callable[..., list[CdrEvent]]

LATER = NOW + timedelta(hours=2)
MakeSession = Callable[..., SessionCompleted]


def releasing(given: list[CdrEvent], cdr_id: str, **options: Any) -> list[CdrEvent]:
    command = ReleaseCdr(cdr_id, "ops@evroam", Known(), Policy(), LATER, **options)
    return release(command, fold(given))


@pytest.fixture
def meter_reset(issue: Decide) -> list[CdrEvent]:
    """A CDR held because the meter says 1 kWh where 12.345 kWh are billed."""
    events = issue(meter_stop_wh=2000)
    assert isinstance(events[0], CdrHeld)
    return events


def test_a_reviewer_accepting_the_reason_releases_the_cdr_as_it_is(
    meter_reset: list[CdrEvent],
) -> None:
    [held] = meter_reset
    assert isinstance(held, CdrHeld)

    released, issued = releasing(
        meter_reset, held.cdr.id, accept=("ENERGY_METER_MISMATCH",), note="meter swapped"
    )

    assert isinstance(released, CdrReleased)
    assert isinstance(issued, CdrIssued)
    assert (released.reviewer, released.note, released.accepted, released.corrected) == (
        "ops@evroam",
        "meter swapped",
        ("ENERGY_METER_MISMATCH",),
        (),
    )
    assert issued.cdr.id == held.cdr.id
    assert issued.cdr.last_updated == LATER
    assert issued.cdr.total_cost == held.cdr.total_cost


def test_a_corrected_cdr_is_repriced_from_its_corrected_periods(
    meter_reset: list[CdrEvent],
) -> None:
    [held] = meter_reset
    assert isinstance(held, CdrHeld)
    periods = held.cdr.model_dump(mode="json")["charging_periods"]
    periods[0]["dimensions"][0]["volume"] = "1"  # what the meter says: 1 kWh

    _, issued = releasing(
        meter_reset,
        held.cdr.id,
        corrections={"charging_periods": periods, "total_energy": "1"},
        accept=("COST_SESSION_MISMATCH",),
    )

    assert isinstance(issued, CdrIssued)
    assert issued.cdr.total_energy == Decimal(1)
    # 0.50 start fee + 1 kWh at 0.25 = 0.75 excl.; VAT 21 %: 0.61 + 0.30 = 0.91 (0.9075 up)
    assert (issued.cdr.total_cost.excl_vat, issued.cdr.total_cost.incl_vat) == (
        Decimal("0.75"),
        Decimal("0.91"),
    )
    assert issued.cdr.total_energy_cost is not None
    assert issued.cdr.total_energy_cost.excl_vat == Decimal("0.25")


def test_a_release_that_still_fails_says_which_reasons_remain(
    meter_reset: list[CdrEvent],
) -> None:
    [held] = meter_reset
    assert isinstance(held, CdrHeld)

    with pytest.raises(ReviewStillFailingError, match="ENERGY_METER_MISMATCH") as raised:
        releasing(meter_reset, held.cdr.id)
    assert [r.code for r in raised.value.reasons] == ["ENERGY_METER_MISMATCH"]
    with pytest.raises(ReviewStillFailingError, match="ENERGY_PERIODS_MISMATCH"):
        releasing(meter_reset, held.cdr.id, corrections={"total_energy": "1"})


@pytest.mark.parametrize(
    ("corrections", "error"),
    [
        ({"id": "X"}, "may not change id"),
        ({"credit": True}, "may not change credit"),
        ({"colour": "red"}, "not CDR fields: colour"),
        ({"total_energy": "lots"}, "not valid"),
    ],
)
def test_a_correction_a_reviewer_may_not_make_is_refused(
    corrections: dict[str, Any], error: str, meter_reset: list[CdrEvent]
) -> None:
    [held] = meter_reset
    assert isinstance(held, CdrHeld)

    with pytest.raises(CorrectionError, match=error):
        releasing(meter_reset, held.cdr.id, corrections=corrections)


def test_a_rejected_cdr_is_never_issued_and_cannot_be_released_after(
    meter_reset: list[CdrEvent],
) -> None:
    [held] = meter_reset
    assert isinstance(held, CdrHeld)

    [rejected] = reject(RejectCdr(held.cdr.id, "ops", "test session", LATER), fold(meter_reset))

    assert isinstance(rejected, CdrRejected)
    after = [*meter_reset, rejected]
    assert fold(after).current is None
    with pytest.raises(NotHeldError):
        releasing(after, held.cdr.id, accept=("ENERGY_METER_MISMATCH",))
    with pytest.raises(NotHeldError):
        reject(RejectCdr(held.cdr.id, "ops", "again", LATER), fold(after))


def test_only_the_cdr_waiting_for_review_can_be_released(
    meter_reset: list[CdrEvent], issue: Decide
) -> None:
    with pytest.raises(NotHeldError, match="not waiting for review"):
        releasing(meter_reset, "another-cdr")
    issued = issue(session_id="S-2")
    assert isinstance(issued[0], CdrIssued)
    with pytest.raises(NotHeldError):
        releasing(issued, issued[0].cdr.id)


def test_releasing_a_held_correction_credits_the_original_first(
    make_session: MakeSession, issue: Decide
) -> None:
    session = make_session()
    [original] = issue(session=session)
    assert isinstance(original, CdrIssued)
    fix = SessionCorrected(
        **{**session.model_dump(), "meter_stop_wh": 2000, "stop_reason": "PowerLoss"},
        revision=1,
        correction_reason="second stop",
    )
    [held] = issue(original, session=fix)
    assert isinstance(held, CdrHeld)

    released, credit, new = releasing(
        [original, held], held.cdr.id, accept=("ENERGY_METER_MISMATCH",)
    )

    assert isinstance(released, CdrReleased)
    assert isinstance(credit, CdrIssued)
    assert isinstance(new, CdrIssued)
    assert (credit.cdr.credit_reference_id, new.cdr.id) == (original.cdr.id, held.cdr.id)
    state = fold([original, held, released, credit, new])
    assert (state.current, state.held) == (new.cdr, None)


def test_rejecting_a_held_correction_leaves_the_original_in_force(
    make_session: MakeSession, issue: Decide
) -> None:
    session = make_session()
    [original] = issue(session=session)
    fix = SessionCorrected(
        **{**session.model_dump(), "meter_stop_wh": 2000, "stop_reason": "PowerLoss"},
        revision=1,
        correction_reason="second stop",
    )
    [held] = issue(original, session=fix)
    assert isinstance(original, CdrIssued)
    assert isinstance(held, CdrHeld)

    [rejected] = reject(RejectCdr(held.cdr.id, "ops", "bogus stop", LATER), fold([original, held]))

    assert fold([original, held, rejected]).current == original.cdr


def test_costs_a_reviewer_sets_are_kept_and_must_then_be_accepted_as_not_reproducible(
    meter_reset: list[CdrEvent],
) -> None:
    [held] = meter_reset
    assert isinstance(held, CdrHeld)
    goodwill = {"total_cost": {"excl_vat": "1.00", "incl_vat": "1.21"}}

    with pytest.raises(ReviewStillFailingError, match="COST_NOT_REPRODUCIBLE"):
        releasing(meter_reset, held.cdr.id, corrections=goodwill, accept=("ENERGY_METER_MISMATCH",))
    accepted = ("ENERGY_METER_MISMATCH", "COST_NOT_REPRODUCIBLE", "COST_SESSION_MISMATCH")
    _, issued = releasing(meter_reset, held.cdr.id, corrections=goodwill, accept=accepted)

    assert isinstance(issued, CdrIssued)
    assert (issued.cdr.total_cost.excl_vat, issued.cdr.total_cost.incl_vat) == (
        Decimal("1.00"),
        Decimal("1.21"),
    )
