"""Each broken rule raises its own error, for tariffs and for usage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pricing_support import (
    AMSTERDAM,
    ENERGY,
    FLAT,
    PARKING,
    TIME,
    D,
    component,
    element,
    local,
    minutes,
    sample,
    session,
    tariff,
)

from evroam_pricing import (
    Price,
    Reservation,
    ReservationRestrictionType,
    SessionUsage,
    price_session,
)
from evroam_pricing.errors import (
    InconsistentPriceLimitsError,
    InconsistentRestrictionError,
    InvalidParkingIntervalError,
    InvalidSessionSpanError,
    InvalidStepSizeError,
    MeterRollbackError,
    NaiveDatetimeError,
    NegativePriceError,
    NegativeVatError,
    ReservationComponentError,
    ReservationMismatchError,
    SampleOrderError,
    TariffNotInForceError,
    UnknownTimeZoneError,
)

START = local("2024-01-15 10:00")
NAIVE = datetime(2024, 1, 1)  # noqa: DTZ001 - the point of the test
SIMPLE = tariff(element(component(ENERGY, "0.25")))


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: component(ENERGY, "-0.01"), NegativePriceError),
        (lambda: component(ENERGY, "0.25", vat="-1"), NegativeVatError),
        (lambda: component(TIME, "1", step=-1), InvalidStepSizeError),
        (lambda: component(PARKING, "1", step=0), InvalidStepSizeError),
        (
            lambda: element(component(ENERGY, "1"), min_kwh=D(5), max_kwh=D(5)),
            InconsistentRestrictionError,
        ),
        (lambda: element(component(ENERGY, "1"), min_power=D(-1)), InconsistentRestrictionError),
        (
            lambda: element(component(ENERGY, "1"), min_duration=60, max_duration=30),
            InconsistentRestrictionError,
        ),
        (
            lambda: element(
                component(ENERGY, "1"),
                start_date=date(2024, 2, 1),
                end_date=date(2024, 1, 1),
            ),
            InconsistentRestrictionError,
        ),
        (
            lambda: element(
                component(ENERGY, "1"), reservation=ReservationRestrictionType.RESERVATION
            ),
            ReservationComponentError,
        ),
        (
            lambda: tariff(element(component(ENERGY, "1")), min_price=Price(D(-1))),
            NegativePriceError,
        ),
        (
            lambda: tariff(
                element(component(ENERGY, "1")), min_price=Price(D(5)), max_price=Price(D(4))
            ),
            InconsistentPriceLimitsError,
        ),
    ],
)
def test_a_tariff_breaking_a_rule_cannot_be_built(
    build: Callable[[], Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        build()


def test_a_flat_fee_may_have_step_size_zero() -> None:
    assert component(FLAT, "0.00", step=0, vat=None).step_size == 0


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: session(START, minutes(-1), 0), InvalidSessionSpanError),
        (
            lambda: SessionUsage(
                START, 0, (sample(START + minutes(1), 10),), START + minutes(1) - minutes(1)
            ),
            SampleOrderError,
        ),
        (
            lambda: SessionUsage(
                START,
                0,
                (sample(START + minutes(2), 10), sample(START + minutes(1), 20)),
                START + minutes(3),
            ),
            SampleOrderError,
        ),
        (
            lambda: SessionUsage(START, 0, (sample(START, 10),), START + minutes(1)),
            SampleOrderError,
        ),
        (
            lambda: SessionUsage(START, 100, (sample(START + minutes(1), 50),), START + minutes(1)),
            MeterRollbackError,
        ),
        (
            lambda: SessionUsage(
                START,
                0,
                (),
                START + minutes(10),
                parking=((START + minutes(5), START + minutes(11)),),
            ),
            InvalidParkingIntervalError,
        ),
        (
            lambda: SessionUsage(
                START,
                0,
                (),
                START + minutes(10),
                parking=(
                    (START + minutes(5), START + minutes(8)),
                    (START + minutes(7), START + minutes(9)),
                ),
            ),
            InvalidParkingIntervalError,
        ),
        (
            lambda: SessionUsage(NAIVE, 0, (), NAIVE),
            NaiveDatetimeError,
        ),
        (
            lambda: SessionUsage(
                START,
                0,
                (),
                START + minutes(5),
                reservation=Reservation(START - minutes(9), START - minutes(1)),
            ),
            ReservationMismatchError,
        ),
        (lambda: Reservation(START, START - timedelta(seconds=1)), InvalidSessionSpanError),
    ],
)
def test_usage_breaking_a_rule_cannot_be_built(
    build: Callable[[], Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        build()


def test_a_repeated_reading_at_the_start_is_accepted() -> None:
    usage = SessionUsage(
        START, 5, (sample(START, 5), sample(START + minutes(60), 4_005)), START + minutes(60)
    )
    assert price_session(SIMPLE, usage, time_zone=AMSTERDAM).total_cost.excl_vat == D("1.00")


def test_an_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(UnknownTimeZoneError):
        price_session(SIMPLE, session(START, minutes(5), 10), time_zone="Europe/Atlantis")


def test_a_session_starting_after_the_tariff_ended_is_rejected() -> None:
    from dataclasses import replace

    ended = replace(SIMPLE, end_date_time=START - minutes(1))
    with pytest.raises(TariffNotInForceError):
        price_session(ended, session(START, minutes(5), 10), time_zone=AMSTERDAM)
