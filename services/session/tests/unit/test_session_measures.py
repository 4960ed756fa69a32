"""The session's measures, pure: the billed meter register, the station clock offset and
parking intervals, from readings in and numbers out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evroam_contracts.session import ChargingStateChange, ClockReading
from evroam_contracts.shared import MeterSample
from evroam_session.domain.clock import station_clock_offset
from evroam_session.domain.meter import register
from evroam_session.domain.parking import parking_intervals

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def meter(*pairs: tuple[float, int]) -> tuple[MeterSample, ...]:
    return tuple(MeterSample(at=at(m), energy_wh=wh) for m, wh in pairs)


def lag(station: float, received: float, offline: bool = False) -> ClockReading:
    """A message stamped at minute `station` by the station, received at minute `received`."""
    return ClockReading(station_at=at(station), received_at=at(received), offline=offline)


def change(minute: float, state: str) -> ChargingStateChange:
    return ChargingStateChange(at=at(minute), state=state)


# The billed register


def test_without_readings_no_energy_is_billed() -> None:
    assert register(1000, (), T0, at(60)).energy_wh(1000) == 0


def test_readings_outside_the_session_span_are_not_billed() -> None:
    reg = register(1000, meter((0, 999), (10, 3000), (70, 9000)), T0, at(60))
    assert reg.samples == meter((10, 3000))
    assert reg.energy_wh(1000) == 2000


def test_readings_are_billed_in_time_order_whatever_order_they_came_in() -> None:
    reg = register(1000, meter((30, 7000), (10, 3000), (20, 5000)), T0, at(60))
    assert [s.energy_wh for s in reg.samples] == [3000, 5000, 7000]
    assert (reg.energy_wh(1000), reg.warnings) == (6000, ())


def test_of_two_readings_at_one_instant_the_later_listed_wins() -> None:
    stop = MeterSample(at=at(30), energy_wh=7100)
    reg = register(1000, (*meter((30, 7000)), stop), T0, at(30))
    assert reg.energy_wh(1000) == 6100


def test_a_glitch_below_the_register_is_left_out_with_a_warning() -> None:
    reg = register(1000, meter((10, 3000), (20, 2500), (30, 4000)), T0, at(30))
    assert [s.energy_wh for s in reg.samples] == [3000, 4000]
    assert reg.energy_wh(1000) == 3000
    [warning] = reg.warnings
    assert "2500 Wh" in warning
    assert "left out" in warning


def test_a_meter_reset_continues_the_count_from_where_it_was() -> None:
    reg = register(1000, meter((10, 5000), (20, 0), (30, 2000), (40, 3000)), T0, at(40))
    assert [s.energy_wh for s in reg.samples] == [5000, 5000, 7000, 8000]
    assert reg.energy_wh(1000) == 7000
    [warning] = reg.warnings
    assert "from 5000 Wh to 0 Wh" in warning
    assert "meter reset" in warning


# The station clock


def test_a_clock_that_keeps_time_has_no_offset() -> None:
    assert station_clock_offset([lag(0, 0), lag(10, 10.05), lag(30, 30.1)]) == timedelta(0)


def test_without_readings_there_is_no_offset() -> None:
    assert station_clock_offset([]) == timedelta(0)


def test_one_message_stamped_well_in_the_future_shows_a_clock_ahead() -> None:
    assert station_clock_offset([lag(120, 0)]) == timedelta(hours=2)


def test_messages_ahead_by_less_than_the_tolerance_leave_the_station_times() -> None:
    assert station_clock_offset([lag(1.5, 0), lag(11.5, 10)]) == timedelta(0)


def test_one_late_message_alone_is_no_evidence_of_a_clock_behind() -> None:
    assert station_clock_offset([lag(-60, 0)]) == timedelta(0)


def test_messages_steadily_late_by_the_same_amount_show_a_clock_behind() -> None:
    readings = [lag(-60, 0), lag(-50, 10), lag(-30, 30.2)]  # late 3600, 3600, 3612 s
    assert station_clock_offset(readings) == timedelta(hours=-1)


def test_a_replay_whose_lateness_shrinks_is_not_a_clock_behind() -> None:
    readings = [lag(0, 60), lag(15, 60.02), lag(30, 60.05), lag(45, 60.08)]
    assert station_clock_offset(readings) == timedelta(0)


def test_offline_replayed_messages_are_no_evidence() -> None:
    assert station_clock_offset([lag(120, 0, offline=True)]) == timedelta(0)
    assert station_clock_offset([lag(120, 0), lag(0, 0, offline=True)]) == timedelta(hours=2)


def test_a_clock_set_right_during_the_session_leaves_the_station_times() -> None:
    assert station_clock_offset([lag(120, 0), lag(20, 20)]) == timedelta(0)


def test_the_offset_is_the_median_lag_in_whole_seconds() -> None:
    readings = [lag(120.01, 0), lag(150.5, 30), lag(130.11, 10)]  # 7200.6, 7230, 7206.6 s
    assert station_clock_offset(readings) == timedelta(seconds=7207)


# Parking


def test_parking_runs_from_suspended_ev_after_charging_to_the_end() -> None:
    assert parking_intervals([change(5, "CHARGING"), change(30, "SUSPENDED_EV")], T0, at(60)) == (
        (at(30), at(60)),
    )


def test_state_changes_are_taken_in_time_order_whatever_order_they_came_in() -> None:
    changes = [change(30, "SuspendedEV"), change(5, "Charging")]
    assert parking_intervals(changes, T0, at(60)) == ((at(30), at(60)),)


def test_parking_ends_when_charging_resumes_and_ev_connected_is_parking() -> None:
    changes = [change(5, "Charging"), change(20, "EVConnected"), change(30, "Charging")]
    changes += [change(40, "SuspendedEV")]
    assert parking_intervals(changes, T0, at(60)) == ((at(20), at(30)), (at(40), at(60)))


def test_the_station_holding_power_back_ends_parking_and_is_not_parking() -> None:
    changes = [change(5, "CHARGING"), change(20, "SUSPENDED_EV"), change(30, "SUSPENDED_EVSE")]
    assert parking_intervals(changes, T0, at(60)) == ((at(20), at(30)),)


def test_a_car_that_never_drew_energy_is_not_parking() -> None:
    changes = [change(1, "SUSPENDED_EV"), change(2, "EVConnected")]
    assert parking_intervals(changes, T0, at(60)) == ()


def test_parking_is_held_within_the_session_span() -> None:
    changes = [change(-5, "CHARGING"), change(-1, "SUSPENDED_EV")]
    assert parking_intervals(changes, T0, at(60)) == ((T0, at(60)),)
    assert parking_intervals([change(5, "CHARGING"), change(70, "SUSPENDED_EV")], T0, at(60)) == ()
