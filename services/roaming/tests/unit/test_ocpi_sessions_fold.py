"""The session service's events folded into one OCPI Session (2.2.1 section 3.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from evroam_contracts.ocpi_json import render_json
from evroam_contracts.session import (
    SessionCompleted,
    SessionCorrected,
    SessionInvalidated,
    SessionPending,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import (
    CdrDimension,
    CdrToken,
    ChargingPeriod,
    CostBreakdown,
    Price,
)
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.sessions.models import (
    OcpiSession,
    SessionEvent,
    evolve_session,
    session_to_ocpi,
)
from evroam_testing.transaction_events import LOCATION

T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)
WHERE = LOCATION  # the shared builders' Amsterdam location
TOKEN = CdrToken(country_code="de", party_id="tnm", uid="U1", type="RFID", contract_id="C1")
PERIOD = ChargingPeriod(
    start_date_time=T0, dimensions=(CdrDimension(type="ENERGY", volume=Decimal("1.500")),)
)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def pending() -> SessionPending:
    return SessionPending(
        session_id="S1",
        station_id="CS1",
        transaction_id="T1",
        started_at=at(0),
        meter_start_wh=0,
        location=WHERE,
        received_at=at(0),
        reason="plugged in before the driver identified",
    )


def started(minute: int = 1) -> SessionStarted:
    return SessionStarted(
        session_id="S1",
        station_id="CS1",
        transaction_id="T1",
        started_at=at(minute),
        meter_start_wh=0,
        location=WHERE,
        cdr_token=TOKEN,
        auth_method="AUTH_REQUEST",
        authorization_reference="REF1",
        currency="EUR",
    )


def updated(kwh: str, *, figures: bool = True) -> SessionUpdated:
    return SessionUpdated(
        session_id="S1",
        kwh=Decimal(kwh),
        charging_periods=(PERIOD,) if figures else (),
        costs=CostBreakdown(total_cost=Price(excl_vat=Decimal("0.60"))) if figures else None,
        updated_at=at(5),
        started_at=at(1) if figures else None,
    )


def completed() -> SessionCompleted:
    return SessionCompleted(
        **started().model_dump(exclude={"opened_by", "offline"}),
        ended_at=at(30),
        meter_stop_wh=1500,
        kwh=Decimal("1.500"),
        charging_periods=(PERIOD,),
        costs=CostBreakdown(total_cost=Price(excl_vat=Decimal("0.60"), incl_vat=Decimal("0.73"))),
        total_time_h=Decimal("0.5"),
    )


def fold(*steps: tuple[SessionEvent, datetime]) -> OcpiSession | None:
    session = None
    for event, when in steps:
        session = evolve_session(session, event, when)
    return session


def test_a_pending_session_belongs_to_no_emsp_until_it_starts() -> None:
    session = fold((pending(), at(0)))
    assert session is not None
    assert (session.status, session.token_owner, session.kwh) == ("PENDING", None, 0)
    session = fold((pending(), at(0)), (started(), at(1)))
    assert session is not None
    assert (session.status, session.token_owner) == ("ACTIVE", Party("DE", "TNM"))
    assert (session.start_date_time, session.last_updated) == (at(1), at(1))


def test_updates_bring_the_figures_so_far() -> None:
    session = fold((started(), at(1)), (updated("1.5"), at(5)))
    assert session is not None
    assert (session.kwh, session.charging_periods, session.last_updated) == (
        Decimal("1.5"),
        (PERIOD,),
        at(5),
    )
    assert session.total_cost == Price(excl_vat=Decimal("0.60"))


def test_an_update_recording_inputs_only_changes_nothing_not_even_last_updated() -> None:
    before = fold((started(), at(1)), (updated("1.5"), at(5)))
    after = evolve_session(before, updated("0", figures=False), at(6))
    assert after == before
    done = fold((started(), at(1)), (completed(), at(30)))
    assert evolve_session(done, updated("2.0"), at(31)) == done  # figures after the end


def test_completion_and_correction_carry_the_whole_session() -> None:
    session = fold((started(), at(1)), (completed(), at(30)))
    assert session is not None
    assert (session.status, session.end_date_time, session.kwh) == (
        "COMPLETED",
        at(30),
        Decimal("1.500"),
    )
    corrected = SessionCorrected(
        **completed().model_dump() | {"kwh": Decimal("1.600")},
        revision=1,
        correction_reason="late reading",
    )
    session = evolve_session(session, corrected, at(40))
    assert session is not None
    assert (session.kwh, session.last_updated) == (Decimal("1.600"), at(40))


def test_a_late_start_never_reopens_a_completed_session() -> None:
    done = fold((started(), at(1)), (completed(), at(30)))
    assert evolve_session(done, started(2), at(31)) == done


def test_invalidation_keeps_what_was_known_and_never_goes_back_in_time() -> None:
    session = fold((pending(), at(0)))
    invalid = SessionInvalidated(
        session_id="S1", reason="no start", invalidated_at=at(9), ended_at=at(8)
    )
    after = evolve_session(session, invalid, at(9))
    assert after is not None
    assert (after.status, after.end_date_time, after.location_id) == ("INVALID", at(8), WHERE.id)
    # Recorded with an earlier clock (another replica): last_updated stays where it was.
    again = evolve_session(after, started(), at(3))
    assert again is not None
    assert (again.status, again.last_updated) == ("ACTIVE", at(9))
    assert evolve_session(None, invalid, at(9)) is None  # never seen open: nothing to show


def test_a_session_renders_as_ocpi_json_with_exact_numbers() -> None:
    session = fold((started(), at(1)), (completed(), at(30)))
    assert session is not None
    text = render_json(session_to_ocpi(session))
    assert '"kwh":1.500' in text
    assert '"total_cost":{"excl_vat":0.60,"incl_vat":0.73}' in text
    assert '"start_date_time":"2024-05-01T10:01:00Z"' in text
    assert '"authorization_reference":"REF1"' in text
    assert "null" not in text
