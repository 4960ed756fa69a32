"""Given / when / then on the CDR decider: one CDR per session, every OCPI field, idempotent,
and corrections as a credit CDR plus a new CDR. No I/O."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from evroam_cdr.domain.cdr import CDR_NAMESPACE, cdr_id_for
from evroam_cdr.domain.checks import Known, Policy
from evroam_cdr.domain.decider import CdrEvent, IssueCdr, fold, issue
from evroam_contracts import decode_payload
from evroam_contracts.cdr import CdrHeld, CdrIssued
from evroam_contracts.session import SessionCompleted, SessionCorrected
from evroam_contracts.shared import (
    CdrDimension,
    ChargingPeriod,
    SignedData,
    SignedValue,
    TariffLock,
)

NOW = datetime(2026, 3, 10, 10, 5, tzinfo=UTC)  # the sample session ended at 10:00
Decide = Callable[..., list[CdrEvent]]

SESSION_SAMPLE = (
    Path(__file__).resolve().parents[4] / "libs/contracts/samples/session.completed.v1.json"
)
MakeSession = Callable[..., SessionCompleted]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def corrected(session: SessionCompleted, revision: int = 1, **changes: object) -> SessionCorrected:
    return SessionCorrected(
        **{**session.model_dump(), **changes},
        revision=revision,
        correction_reason="a reading arrived after the stop",
    )


def test_a_completed_session_becomes_one_ocpi_cdr_with_every_field(
    make_session: MakeSession, issue: Decide
) -> None:
    signed = SignedData(
        encoding_method="OCMF",
        public_key="MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
        signed_values=(
            SignedValue(nature="Start", plain_data="OCMF|{}", signed_data="c2ln"),
            SignedValue(nature="End", plain_data="OCMF|{}", signed_data="c2lnMg=="),
        ),
    )
    session = make_session(signed_data=signed)

    [event] = issue(session=session)

    assert isinstance(event, CdrIssued)
    cdr = event.cdr
    assert cdr.id == str(uuid.uuid5(CDR_NAMESPACE, "S-1"))
    assert (cdr.country_code, cdr.party_id, cdr.session_id) == ("NL", "EVR", "S-1")
    assert (cdr.start_date_time, cdr.end_date_time) == (session.started_at, session.ended_at)
    assert cdr.cdr_token == session.cdr_token
    assert (cdr.auth_method, cdr.authorization_reference) == ("AUTH_REQUEST", "AUTH-REF-1")
    assert cdr.cdr_location.id == "LOC-AMS-1"
    assert cdr.cdr_location.evse_id == "NL*EVR*E0001"
    assert cdr.currency == "EUR"
    assert session.tariff is not None
    assert cdr.tariffs == (session.tariff.tariff,)
    assert cdr.charging_periods == session.charging_periods
    assert cdr.signed_data == signed
    assert (cdr.total_cost.excl_vat, cdr.total_cost.incl_vat) == (Decimal("3.59"), Decimal("4.34"))
    assert cdr.total_fixed_cost is not None
    assert cdr.total_fixed_cost.excl_vat == Decimal("0.50")
    assert cdr.total_energy_cost is not None
    assert cdr.total_energy_cost.excl_vat == Decimal("3.09")
    assert (cdr.total_time_cost, cdr.total_parking_cost, cdr.total_reservation_cost) == (
        None,
        None,
        None,
    )
    assert (cdr.total_energy, cdr.total_time, cdr.total_parking_time) == (
        Decimal("12.345"),
        Decimal(2),
        Decimal("0.5"),
    )
    assert cdr.remark == "EVDisconnected"
    assert (cdr.invoice_reference_id, cdr.credit, cdr.credit_reference_id) == (None, None, None)
    assert cdr.last_updated == NOW  # OCPI: a CDR's last_updated is when it was made
    assert (event.time_zone, event.session_revision) == ("Europe/Amsterdam", 0)


def test_the_cdr_costs_are_priced_from_its_own_periods_and_equal_the_session_to_the_cent(
    make_session: MakeSession, issue: Decide
) -> None:
    session = make_session()

    [event] = issue(session=session)

    assert isinstance(event, CdrIssued)
    for name in ("total_cost", "total_fixed_cost", "total_energy_cost"):
        assert getattr(event.cdr, name) == getattr(session.costs, name), name


def test_sessions_only_dimensions_are_left_out_of_the_cdr(issue: Decide) -> None:
    period = ChargingPeriod(
        start_date_time=at("2026-03-10T08:00:00Z"),
        dimensions=(
            CdrDimension(type="ENERGY", volume=Decimal("12.345")),
            CdrDimension(type="TIME", volume=Decimal(2)),
            CdrDimension(type="POWER", volume=Decimal(11)),
            CdrDimension(type="STATE_OF_CHARGE", volume=Decimal(80)),
        ),
    )

    [event] = issue(charging_periods=(period,), total_parking_time_h=Decimal(0))

    assert isinstance(event, CdrIssued)
    assert [d.type for d in event.cdr.charging_periods[0].dimensions] == ["ENERGY", "TIME"]


def test_a_long_stop_reason_is_cut_to_the_ocpi_remark_length(issue: Decide) -> None:
    [event] = issue(stop_reason="x" * 300)

    assert isinstance(event, CdrIssued)
    assert event.cdr.remark == "x" * 255


def test_a_duplicate_or_replayed_completion_creates_no_second_cdr(issue: Decide) -> None:
    issued = issue()

    assert issue(*issued) == []
    assert issue(*issued, now=NOW + timedelta(days=30)) == []


def test_another_session_gets_another_cdr_id_of_36_characters(issue: Decide) -> None:
    [first], [other] = issue(), issue(session_id="S-2")

    assert isinstance(first, CdrIssued)
    assert isinstance(other, CdrIssued)
    assert first.cdr.id != other.cdr.id
    assert len(first.cdr.id) == 36  # CiString(39) leaves room for the credit suffix


def test_a_correction_issues_a_credit_cdr_for_the_original_and_a_new_cdr(
    make_session: MakeSession, issue: Decide
) -> None:
    session = make_session()
    [original] = issue(session=session)
    assert isinstance(original, CdrIssued)
    later = NOW + timedelta(hours=3)
    fixed = corrected(session, meter_stop_wh=13345, stop_reason="Local")

    credit, new = issue(original, session=fixed, now=later)

    assert isinstance(credit, CdrIssued)
    assert isinstance(new, CdrIssued)
    assert credit.cdr.id == original.cdr.id + "-C"
    assert (credit.cdr.credit, credit.cdr.credit_reference_id) == (True, original.cdr.id)
    assert credit.cdr.total_cost.excl_vat == -original.cdr.total_cost.excl_vat
    assert credit.cdr.total_cost.incl_vat == Decimal("-4.34")
    assert credit.cdr.total_energy_cost is not None
    assert credit.cdr.total_energy_cost.excl_vat == Decimal("-3.09")
    assert credit.cdr.total_energy == original.cdr.total_energy  # measured, not negated
    assert credit.cdr.last_updated == later
    assert new.cdr.id == cdr_id_for("S-1", 1) != original.cdr.id
    assert (new.cdr.credit, new.cdr.remark, new.session_revision) == (None, "Local", 1)
    assert original.cdr.remark == "EVDisconnected"  # the issued CDR never changed


def test_a_correction_that_bills_the_same_or_a_duplicate_correction_issues_nothing(
    make_session: MakeSession, issue: Decide
) -> None:
    session = make_session()
    issued = issue(session=session)

    assert issue(*issued, session=corrected(session)) == []
    fixed = corrected(session, stop_reason="Local")
    after = [*issued, *issue(*issued, session=fixed)]
    assert issue(*after, session=fixed) == []


def test_a_correction_that_needs_review_waits_with_its_credit_until_released(
    make_session: MakeSession, issue: Decide
) -> None:
    session = make_session()
    [original] = issue(session=session)
    reset = corrected(
        session, meter_stop_wh=500, stop_reason="PowerLoss", warnings=("the meter was reset",)
    )

    [held] = issue(original, session=reset)

    assert isinstance(held, CdrHeld)
    assert held.replaces == original.cdr.id
    assert {r.code for r in held.reasons} == {"ENERGY_METER_MISMATCH", "SESSION_WARNING"}
    state = fold([original, held])
    assert state.current == original.cdr  # still in force until the review decides


def test_a_new_correction_replaces_a_review_still_open(
    make_session: MakeSession, issue: Decide
) -> None:
    session = make_session(meter_stop_wh=500)
    [held] = issue(session=session)
    assert isinstance(held, CdrHeld)

    [issued] = issue(held, session=corrected(session, meter_stop_wh=13345))

    assert isinstance(issued, CdrIssued)
    assert issued.cdr.id == cdr_id_for("S-1", 1)
    assert fold([held, issued]).held is None


def test_the_golden_sample_session_becomes_a_cdr_that_survives_the_wire() -> None:
    sample = SessionCompleted.model_validate(json.loads(SESSION_SAMPLE.read_text()))
    command = IssueCdr(sample, Known(), Policy(hold_on_warnings=False), sample.ended_at)

    [event] = issue(command, fold([]))

    assert isinstance(event, CdrIssued), event
    assert event.cdr.total_cost == sample.costs.total_cost
    assert decode_payload(event.type_name, event.version, event.to_json_dict()) == event


def test_a_total_clamped_to_the_tariffs_min_price_is_priced_and_issued_as_such(
    make_session: MakeSession, make_costs: Callable[..., Any], issue: Decide
) -> None:
    lock = make_session().tariff
    assert lock is not None
    tariff = TariffLock(
        tariff_id="T-MIN",
        version=1,
        tariff={**lock.tariff, "min_price": {"excl_vat": 5.0, "incl_vat": 6.05}},
    )

    [event] = issue(tariff=tariff, costs=make_costs("5.00"))

    assert isinstance(event, CdrIssued), event
    assert (event.cdr.total_cost.excl_vat, event.cdr.total_cost.incl_vat) == (
        Decimal("5.00"),
        Decimal("6.05"),
    )
    assert isinstance(issue(tariff=tariff)[0], CdrHeld)  # the session said 3.59: not the same
