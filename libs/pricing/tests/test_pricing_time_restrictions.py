"""Time-of-day, date and weekday restrictions are read on the location's wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from pricing_support import (
    AMSTERDAM,
    ENERGY,
    TIME,
    D,
    component,
    element,
    hm,
    local,
    minutes,
    session,
    tariff,
)

from evroam_pricing import CdrDimensionType, DayOfWeek, PricedSession, price_session

NIGHT_AND_DAY = tariff(
    element(component(TIME, "1.00"), start_time=hm("23:00"), end_time=hm("07:00")),
    element(component(TIME, "3.00")),
)


def hours_at(priced: PricedSession, price: str) -> Decimal:
    return sum((line.quantity for line in priced.lines if line.unit_price == D(price)), Decimal(0))


def energy_volumes(priced: PricedSession) -> list[Decimal]:
    return [
        d.volume
        for p in priced.charging_periods
        for d in p.dimensions
        if d.type is CdrDimensionType.ENERGY
    ]


def test_a_session_across_17_00_is_split_there_with_energy_shared_by_time() -> None:
    t = tariff(
        element(component(ENERGY, "0.20"), end_time=hm("17:00")),
        element(component(ENERGY, "0.30")),
    )
    priced = price_session(
        t, session(local("2024-01-15 16:00"), minutes(120), 10_000), time_zone=AMSTERDAM
    )
    assert [p.start_date_time for p in priced.charging_periods] == [
        datetime(2024, 1, 15, 15, 0, tzinfo=UTC),
        datetime(2024, 1, 15, 16, 0, tzinfo=UTC),  # 17:00 in Amsterdam
    ]
    assert energy_volumes(priced) == [D(5), D(5)]
    assert priced.total_cost.excl_vat == D("2.50")


def test_a_night_rate_wraps_across_midnight() -> None:
    priced = price_session(
        NIGHT_AND_DAY,
        session(local("2024-01-15 21:00"), minutes(600), 10_000),
        time_zone=AMSTERDAM,
    )
    assert hours_at(priced, "1.00") == 8
    assert hours_at(priced, "3.00") == 2


def test_end_time_midnight_means_until_the_end_of_the_day() -> None:
    t = tariff(
        element(component(TIME, "2.40"), start_time=hm("20:00"), end_time=hm("00:00")),
        element(component(TIME, "1.00")),
    )
    priced = price_session(
        t, session(local("2024-01-15 23:00"), minutes(120), 10_000), time_zone=AMSTERDAM
    )
    assert hours_at(priced, "2.40") == 1
    assert hours_at(priced, "1.00") == 1


def test_spring_forward_shortens_the_night_by_an_hour() -> None:
    # 2024-03-31 02:00 CET -> 03:00 CEST: the night 23:00..07:00 lasts 7 real hours.
    priced = price_session(
        NIGHT_AND_DAY,
        session(local("2024-03-30 22:00"), minutes(540), 10_000),
        time_zone=AMSTERDAM,
    )
    assert hours_at(priced, "1.00") == 7
    assert hours_at(priced, "3.00") == 2
    assert priced.total_cost.excl_vat == D("13.00")


def test_fall_back_lengthens_the_night_by_an_hour() -> None:
    # 2024-10-27 03:00 CEST -> 02:00 CET: the night 23:00..07:00 lasts 9 real hours.
    priced = price_session(
        NIGHT_AND_DAY,
        session(local("2024-10-26 22:00"), minutes(660), 10_000),
        time_zone=AMSTERDAM,
    )
    assert hours_at(priced, "1.00") == 9
    assert priced.total_cost.excl_vat == D("15.00")


def test_a_window_inside_the_skipped_hour_starts_when_the_clock_jumps() -> None:
    # The wall clock never shows 02:30 on 2024-03-31; it is past 02:30 from 03:00 CEST on.
    t = tariff(
        element(component(TIME, "1.00"), start_time=hm("02:30"), end_time=hm("04:00")),
        element(component(TIME, "3.00")),
    )
    priced = price_session(
        t, session(local("2024-03-31 01:00"), minutes(180), 10_000), time_zone=AMSTERDAM
    )
    cheap = [line for line in priced.lines if line.unit_price == D("1.00")]
    assert [(line.from_at, line.to_at) for line in cheap] == [
        (datetime(2024, 3, 31, 1, 0, tzinfo=UTC), datetime(2024, 3, 31, 2, 0, tzinfo=UTC))
    ]
    assert priced.total_cost.excl_vat == D("7.00")


def test_a_window_inside_the_repeated_hour_applies_both_times() -> None:
    t = tariff(
        element(component(TIME, "1.00"), start_time=hm("02:00"), end_time=hm("03:00")),
        element(component(TIME, "3.00")),
    )
    start = datetime(2024, 10, 26, 23, 30, tzinfo=UTC)  # 01:30 CEST
    priced = price_session(t, session(start, minutes(180), 10_000), time_zone=AMSTERDAM)
    assert hours_at(priced, "1.00") == 2
    assert hours_at(priced, "3.00") == 1


def test_weekdays_change_at_local_midnight_not_utc_midnight() -> None:
    t = tariff(
        element(component(TIME, "1.00"), day_of_week=(DayOfWeek.SATURDAY,)),
        element(component(TIME, "3.00")),
    )
    # Friday 23:00 local = 22:00Z; Saturday begins at 23:00Z, not at 00:00Z.
    priced = price_session(
        t, session(local("2024-01-19 23:00"), minutes(120), 10_000), time_zone=AMSTERDAM
    )
    cheap = next(line for line in priced.lines if line.unit_price == D("1.00"))
    assert cheap.from_at == datetime(2024, 1, 19, 23, 0, tzinfo=UTC)
    assert hours_at(priced, "1.00") == 1


def test_start_date_is_inclusive_and_end_date_exclusive_in_local_time() -> None:
    t = tariff(
        element(
            component(ENERGY, "0.10"),
            start_date=date(2024, 4, 1),
            end_date=date(2024, 4, 2),
        ),
        element(component(ENERGY, "0.30")),
    )
    # 2024-03-31 23:00 CEST .. 2024-04-02 01:00 CEST: 1 h before, 24 h inside, 1 h after.
    priced = price_session(
        t, session(local("2024-03-31 23:00"), minutes(26 * 60), 26_000), time_zone=AMSTERDAM
    )
    assert energy_volumes(priced) == [D(1), D(24), D(1)]
    assert priced.total_cost.excl_vat == D("3.00")


def test_a_zone_west_of_utc_reads_its_own_wall_clock() -> None:
    priced = price_session(
        NIGHT_AND_DAY,
        session(local("2024-01-15 22:00", "America/New_York"), minutes(120), 10_000),
        time_zone="America/New_York",
    )
    assert hours_at(priced, "1.00") == 1
    assert hours_at(priced, "3.00") == 1
