"""The session decider, given/when/then: events in, events out, no I/O."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evroam_contracts.session import (
    SessionCompleted,
    SessionInvalidated,
    SessionStarted,
    SessionUpdated,
)
from evroam_session.domain import decider
from evroam_session.domain.state import SessionEvent, SessionState, evolve
from evroam_testing.transaction_events import SID, TARIFF, ended, readings, started


def given(*events: SessionEvent) -> SessionState:
    state = SessionState(SID)
    for e in events:
        state = evolve(state, e)
    return state


def test_an_accepted_transaction_starts_a_session_with_the_tariff_locked() -> None:
    [event] = decider.start(given(), started(), TARIFF, "EUR")
    assert isinstance(event, SessionStarted)
    assert (event.tariff, event.currency, event.cdr_token.contract_id) == (
        TARIFF,
        "EUR",
        "DE-ABC-C1",
    )


def test_a_refused_authorization_makes_the_session_invalid_with_the_reason() -> None:
    [event] = decider.start(given(), started(status="BLOCKED"), TARIFF, "EUR")
    assert isinstance(event, SessionInvalidated)
    assert "BLOCKED" in event.reason


def test_a_transaction_start_delivered_twice_starts_one_session() -> None:
    [first] = decider.start(given(), started(), TARIFF, "EUR")
    assert decider.start(given(first), started(), TARIFF, "EUR") == []


def test_meter_values_update_energy_and_running_cost() -> None:
    [start] = decider.start(given(), started(), TARIFF, "EUR")
    [update] = decider.add_samples(given(start), readings((10, 3000), (20, 6000)))
    assert isinstance(update, SessionUpdated)
    assert update.kwh == Decimal("5")
    assert update.costs is not None
    assert update.costs.total_cost.excl_vat == Decimal("1.50")
    assert update.costs.total_cost.incl_vat == Decimal("1.82")  # 1.815 rounds half up


def test_samples_already_folded_are_not_counted_again() -> None:
    [start] = decider.start(given(), started(), TARIFF, "EUR")
    [update] = decider.add_samples(given(start), readings((10, 3000)))
    assert decider.add_samples(given(start, update), readings((10, 3000))) == []


def test_the_end_prices_the_whole_session_with_the_meter_stop_reading() -> None:
    [start] = decider.start(given(), started(), TARIFF, "EUR")
    [update] = decider.add_samples(given(start), readings((10, 3000)))
    end = ended(30, 11_000, reason="EVDisconnected")
    *_, done = decider.complete(given(start, update), end)
    assert isinstance(done, SessionCompleted)
    assert done.kwh == Decimal("10")
    assert done.costs.total_cost.excl_vat == Decimal("3.00")
    assert done.total_time_h == Decimal("0.5")
    assert done.stop_reason == "EVDisconnected"


def test_meter_values_for_a_session_no_start_opened_are_refused() -> None:
    with pytest.raises(decider.SessionNotOpenedError):
        decider.add_samples(given(), readings((10, 3000)))
