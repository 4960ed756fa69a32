"""The session decider's robustness rules, given/when/then: what real chargers send (twice,
out of order, late, without a start, without a token, with a wrong clock) in; events out."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from evroam_contracts.gateway import (
    MeterValuesSampled,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.session import (
    ChargingStateChange,
    SessionCompleted,
    SessionCorrected,
    SessionInvalidated,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import MeterSample, TariffLock
from evroam_session.domain import decider
from evroam_session.domain.state import SessionEvent, SessionState, evolve
from evroam_testing.transaction_events import (
    SID,
    T0,
    TARIFF,
    at,
    authorized,
    component,
    ended,
    readings,
    started,
    tariff,
)

E = TypeVar("E")
# 0.40 EUR/kWh from 10:30 local time (T0 + 30 min), 0.30 before: the readings decide the cost.
PEAK = tariff(
    {"price_components": [component("ENERGY", 0.40)], "restrictions": {"start_time": "10:30"}},
    {"price_components": [component("ENERGY", 0.30)]},
)
PARKING = tariff(
    {"price_components": [component("ENERGY", 0.30), component("PARKING_TIME", 2.00, 60)]}
)


def then(state: SessionState, events: list[SessionEvent]) -> SessionState:
    for e in events:
        state = evolve(state, e)
    return state


def opened(tx: TransactionStarted, tariff_lock: TariffLock | None = TARIFF) -> SessionState:
    return then(SessionState(SID), decider.start(SessionState(SID), tx, tariff_lock, "EUR"))


def fed(state: SessionState, *msgs: MeterValuesSampled) -> SessionState:
    for msg in msgs:
        state = then(state, decider.add_samples(state, msg))
    return state


def active(*msgs: MeterValuesSampled, tariff_lock: TariffLock | None = TARIFF) -> SessionState:
    """A session started at T0 at 1000 Wh with an accepted token, fed `msgs`."""
    return fed(opened(started(), tariff_lock), *msgs)


def one(events: list[SessionEvent], kind: type[E]) -> E:
    """The one event of exactly that kind (a SessionCorrected is no SessionCompleted here)."""
    [found] = [e for e in events if isinstance(e, kind) and type(e) is kind]
    return found


def completed(state: SessionState, te: TransactionEnded) -> SessionCompleted:
    return one(decider.complete(state, te), SessionCompleted)


def kinds(events: list[SessionEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


# 1. Duplicates


def test_a_transaction_start_delivered_twice_opens_one_session() -> None:
    assert decider.start(active(), started(), TARIFF, "EUR") == []


def test_meter_values_delivered_twice_add_nothing_the_second_time() -> None:
    msg = readings((10, 3000), (20, 6000))
    assert decider.add_samples(active(msg), msg) == []


def test_a_transaction_end_delivered_twice_completes_the_session_once() -> None:
    state = active(readings((10, 3000)))
    state = then(state, decider.complete(state, ended(30, 7000)))
    assert (state.status, state.completed and state.completed.kwh) == ("COMPLETED", Decimal(6))
    assert decider.complete(state, ended(30, 7000)) == []


# 2. Out of order


def test_readings_arriving_in_reverse_order_give_the_same_energy_and_cost_as_in_order() -> None:
    pairs = [(10, 3000), (20, 5000), (30, 7000), (45, 9000)]
    in_order = active(*(readings(p) for p in pairs), tariff_lock=PEAK)
    reverse = active(
        *(readings(p, received=46 + i) for i, p in enumerate(reversed(pairs))), tariff_lock=PEAK
    )
    first, second = completed(in_order, ended(60, 11000)), completed(reverse, ended(60, 11000))
    assert (first.kwh, first.costs.total_cost) == (second.kwh, second.costs.total_cost)
    assert first.kwh == Decimal(10)
    assert first.costs.total_cost.excl_vat == Decimal("3.40")  # 6 kWh x 0.30 + 4 kWh x 0.40
    assert first.costs.total_cost.incl_vat == Decimal("4.11")


def test_a_reading_older_than_those_already_folded_is_still_used() -> None:
    state = active(readings((10, 3000)), readings((45, 9000)), tariff_lock=PEAK)
    [update] = decider.add_samples(state, readings((30, 7000), received=46))
    assert isinstance(update, SessionUpdated)
    assert update.samples == (MeterSample(at=at(30), energy_wh=7000),)
    assert update.kwh == Decimal(8)
    assert update.costs is not None  # 6 kWh before 10:30 at 0.30, 2 kWh after at 0.40
    assert update.costs.total_cost.excl_vat == Decimal("2.60")


# 3. Late data after completion


def test_a_reading_inside_a_completed_session_corrects_it_as_revision_1() -> None:
    state = active(tariff_lock=PEAK)
    state = then(state, decider.complete(state, ended(60, 11000)))
    assert state.completed is not None
    assert state.completed.costs.total_cost.excl_vat == Decimal("3.50")
    events = decider.add_samples(state, readings((30, 9000), received=90))
    corrected = one(events, SessionCorrected)
    assert (corrected.revision, corrected.kwh) == (1, Decimal(10))
    assert corrected.costs.total_cost.excl_vat == Decimal("3.20")  # 8 x 0.30 + 2 x 0.40
    assert corrected.costs.total_cost.incl_vat == Decimal("3.87")
    assert "after it was completed" in corrected.correction_reason
    assert then(state, events).revision == 1


def test_a_late_reading_that_changes_nothing_corrects_nothing() -> None:
    state = active(tariff_lock=PEAK)
    state = then(state, decider.complete(state, ended(60, 11000)))
    events = decider.add_samples(state, readings((30, 6000), received=90))  # on the line
    assert kinds(events) == ["SessionUpdated"]
    assert then(state, events).revision == 0


# 4-5. A stop without its start


def stop_opened() -> SessionState:
    return opened(started(60, 11000, opened_by="Ended"))


def test_a_stop_without_its_start_is_reconstructed_from_its_earliest_reading() -> None:
    done = completed(stop_opened(), ended(60, 11000, (10, 3000), (30, 7000)))
    assert (done.started_at, done.meter_start_wh, done.ended_at) == (at(10), 3000, at(60))
    assert (done.kwh, done.costs.total_cost.excl_vat) == (Decimal(8), Decimal("2.40"))
    assert done.opened_by == "Ended"
    assert any(w.startswith("reconstructed") for w in done.warnings)


def test_a_stop_without_its_start_or_any_earlier_reading_is_invalid() -> None:
    invalid = one(decider.complete(stop_opened(), ended(60, 11000)), SessionInvalidated)
    assert "start never arrived" in invalid.reason
    assert (invalid.ended_at, invalid.meter_stop_wh) == (at(60), 11000)


def test_an_invalid_stop_without_start_is_completed_when_its_start_arrives_late() -> None:
    state = stop_opened()
    state = then(state, decider.complete(state, ended(60, 11000)))
    events = decider.start(state, started(received=70), TARIFF, "EUR")
    assert kinds(events) == ["SessionStarted", "SessionCompleted"]
    done = one(events, SessionCompleted)
    assert (done.started_at, done.ended_at, done.kwh) == (T0, at(60), Decimal(10))
    assert (done.opened_by, done.costs.total_cost.excl_vat) == ("Started", Decimal("3.00"))


def test_a_late_real_start_corrects_a_completed_reconstructed_session() -> None:
    state = stop_opened()
    state = then(state, decider.complete(state, ended(60, 11000, (10, 3000))))
    events = decider.start(state, started(received=70), TARIFF, "EUR")
    assert kinds(events) == ["SessionStarted", "SessionCorrected"]
    corrected = one(events, SessionCorrected)
    assert (corrected.started_at, corrected.meter_start_wh) == (T0, 1000)
    assert corrected.kwh == Decimal(10)
    assert (corrected.revision, corrected.costs.total_cost.excl_vat) == (1, Decimal("3.00"))
    assert not any(w.startswith("reconstructed") for w in corrected.warnings)


# 6. Pending: no accepted token yet


def pending() -> SessionState:
    return opened(started(status="UNKNOWN"))


def test_a_start_with_no_accepted_token_yet_is_pending() -> None:
    events = decider.start(SessionState(SID), started(status="UNKNOWN"), TARIFF, "EUR")
    assert kinds(events) == ["SessionPending"]
    assert then(SessionState(SID), events).status == "PENDING"


def test_an_accepted_token_activates_a_pending_session_from_that_moment() -> None:
    state = fed(pending(), readings((5, 1500)), readings((10, 2000)))
    events = decider.authorize(state, authorized(8), TARIFF, "EUR")
    start = one(events, SessionStarted)
    assert (start.started_at, start.meter_start_wh) == (at(8), 1500)
    state = then(state, events)
    assert state.status == "ACTIVE"
    assert completed(state, ended(30, 5000)).kwh == Decimal("3.5")


def test_a_pending_session_that_ends_is_invalid_for_want_of_an_accepted_token() -> None:
    invalid = one(decider.complete(pending(), ended(30, 5000)), SessionInvalidated)
    assert "accepted token" in invalid.reason


def test_a_refused_token_keeps_the_session_pending_with_a_flag() -> None:
    state = then(pending(), decider.authorize(pending(), authorized(8, "BLOCKED"), TARIFF, "EUR"))
    assert state.status == "PENDING"
    assert any("refused (BLOCKED)" in f for f in state.flags)


# 7. A meter going backwards


def test_an_isolated_dip_in_the_meter_is_left_out_with_a_warning() -> None:
    state = active(readings((10, 3000)), readings((20, 2500)), readings((30, 4000)))
    done = completed(state, ended(40, 5000))
    assert done.kwh == Decimal(4)
    assert any("2500 Wh" in w and "left out" in w for w in done.warnings)


def test_a_meter_reset_keeps_counting_from_the_new_base() -> None:
    state = active(readings((10, 5000)), readings((20, 0)), readings((30, 2000)))
    done = completed(state, ended(40, 3000))
    assert done.kwh == Decimal(7)  # 1000 -> 5000, then 0 -> 3000
    assert done.costs.total_cost.excl_vat == Decimal("2.10")
    assert any("meter reset" in w for w in done.warnings)


def test_two_glitch_readings_in_a_row_are_both_left_out() -> None:
    dips = (readings((10, 3000)), readings((20, 2500)), readings((25, 2600)))
    done = completed(active(*dips, readings((30, 4000))), ended(40, 5000))
    assert done.kwh == Decimal(4)
    assert not any("meter reset" in w for w in done.warnings)


# 8. Station clocks


def test_a_station_clock_two_hours_ahead_is_corrected_to_server_time() -> None:
    state = fed(opened(started(120, received=0)), readings((130, 4000), received=10))
    done = completed(state, ended(150, 7000, received=30))
    assert (done.started_at, done.ended_at, done.station_clock_offset_s) == (T0, at(30), 7200)
    assert done.kwh == Decimal(6)
    assert any("off by 7200 s" in w for w in done.warnings)


def test_a_station_clock_steadily_an_hour_behind_is_corrected() -> None:
    state = fed(opened(started(-60, received=0)), readings((-50, 4000), received=10))
    done = completed(state, ended(-30, 7000, received=30))
    assert (done.started_at, done.ended_at, done.station_clock_offset_s) == (T0, at(30), -3600)


def test_an_offline_replay_keeps_the_station_times() -> None:
    replay = (readings((15, 3000), received=60.02), readings((30, 5000), received=60.05))
    state = fed(opened(started(0, received=60)), *replay)
    done = completed(state, ended(45, 7000, received=60.08))
    assert (done.started_at, done.ended_at, done.station_clock_offset_s) == (T0, at(45), 0)
    assert done.total_time_h == Decimal("0.75")


# 9. Parking


def parked(*changes: tuple[float, str]) -> SessionCompleted:
    state = active(tariff_lock=PARKING)
    states = tuple(ChargingStateChange(at=at(m), state=s) for m, s in changes)
    state = then(state, decider.change_states(state, states, at(max(m for m, _ in changes))))
    return completed(state, ended(60, 6000))


def test_parking_after_charging_is_timed_and_priced() -> None:
    done = parked((1, "CHARGING"), (30, "SUSPENDED_EV"))
    assert done.total_parking_time_h == Decimal("0.5")
    assert done.costs.total_parking_cost is not None
    assert done.costs.total_parking_cost.excl_vat == Decimal("1.00")
    assert done.costs.total_parking_cost.incl_vat == Decimal("1.21")


def test_ocpp201_charging_states_on_meter_values_give_parking() -> None:
    state = active(
        readings((5, 2000), state="Charging"),
        readings((30, 6000), state="SuspendedEV"),
        tariff_lock=PARKING,
    )
    done = completed(state, ended(60, 6000))
    assert done.total_parking_time_h == Decimal("0.5")
    assert done.costs.total_parking_cost is not None
    assert done.costs.total_parking_cost.excl_vat == Decimal("1.00")


def test_a_station_holding_power_back_is_not_parking() -> None:
    done = parked((1, "CHARGING"), (30, "SUSPENDED_EVSE"))
    assert done.total_parking_time_h == Decimal(0)
    assert done.costs.total_parking_cost is None


def test_a_car_slow_to_start_drawing_is_not_parking() -> None:
    done = parked((1, "SUSPENDED_EV"), (10, "CHARGING"))
    assert done.total_parking_time_h == Decimal(0)
    assert done.costs.total_parking_cost is None


# 10. The unfinished policy: the station rebooted without ending the transaction


def test_a_reboot_flags_an_open_session_and_leaves_it_active() -> None:
    state = active(readings((10, 3000)))
    [update] = decider.flag_unfinished(state, at(40))
    assert isinstance(update, SessionUpdated)
    assert any("rebooted" in w for w in update.warnings)
    assert then(state, [update]).status == "ACTIVE"


def test_closing_an_unfinished_session_completes_it_at_its_last_reading() -> None:
    state = active(readings((10, 3000)), readings((20, 5000)))
    done = one(decider.close_unfinished(state, at(40), at(70)), SessionCompleted)
    assert (done.ended_at, done.meter_stop_wh, done.kwh) == (at(20), 5000, Decimal(4))
    assert done.closed_by_csms is True
    assert any("rebooted" in w for w in done.warnings)


def test_closing_an_unfinished_pending_session_invalidates_it() -> None:
    events = decider.close_unfinished(pending(), at(40), at(70))
    assert kinds(events)[-1] == "SessionInvalidated"
    assert "never authorized" in one(events, SessionInvalidated).reason
