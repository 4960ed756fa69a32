"""Meter sampling rate does not change the price: readings on the same straight energy line
carry no information the engine does not already interpolate."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

# hypothesis is a test-only dependency (dependency group "test"); without it these are skipped.
pytest.importorskip("hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_strategies import sessions, split, tariffs
from pricing_support import (
    AMSTERDAM,
    ENERGY,
    TIME,
    D,
    component,
    element,
    hm,
    local,
    sample,
    tariff,
)

from evroam_pricing import CdrDimensionType, SessionUsage, Tariff, price_session


@st.composite
def resampled_sessions(draw: st.DrawFn) -> tuple[SessionUsage, SessionUsage]:
    unit = draw(st.integers(2, 5))
    usage = draw(sessions(unit=unit))
    return usage, draw(split(usage, unit))


@settings(max_examples=200, deadline=None, database=None)
@given(tariffs(), resampled_sessions())
def test_more_samples_on_the_same_energy_line_with_the_same_power_change_nothing(
    t: Tariff, sessions_: tuple[SessionUsage, SessionUsage]
) -> None:
    coarse, fine = sessions_
    assert len(fine.samples) >= len(coarse.samples)
    a = price_session(t, coarse, time_zone=AMSTERDAM)
    b = price_session(t, fine, time_zone=AMSTERDAM)
    assert b.charging_periods == a.charging_periods
    assert b.lines == a.lines
    assert b == a


# Two cases hypothesis rarely reaches, where a 28-digit quotient used to make the price depend
# on the sampling (fixed in engine/meter.py by exact interpolation).
def _readings(start: datetime, seconds: int, energy_wh: int, pieces: int) -> SessionUsage:
    """`energy_wh` over `seconds` at 1 kW nominal, read in `pieces` equal steps."""
    samples = tuple(
        sample(start + timedelta(seconds=seconds * i // pieces), energy_wh * i // pieces, 1_000)
        for i in range(1, pieces + 1)
    )
    return SessionUsage(start, 0, samples, start + timedelta(seconds=seconds))


def test_a_kwh_threshold_between_two_readings_is_reached_on_the_exact_microsecond() -> None:
    # 6 Wh in 42 s: 1 Wh at exactly 7 s (the 28-digit share 1/6 used to give 7.000001 s).
    t = tariff(element(component(TIME, "1"), min_kwh=D("0.001")), element(component(TIME, "2")))
    start = local("2024-01-15 16:00")
    coarse, fine = (
        price_session(t, _readings(start, 42, 6, n), time_zone=AMSTERDAM) for n in (1, 6)
    )
    seven = start + timedelta(seconds=7)
    assert [p.start_date_time for p in coarse.charging_periods] == [start, seven]
    assert coarse == fine


def test_a_reading_half_a_micro_wh_off_the_grid_is_the_same_from_either_pair_of_readings() -> None:
    # 3 Wh in 384 s, cut at 17:00 one second in: exactly 3/384 Wh = 7812.5 µWh, kept to 1 µWh
    # half to even whether interpolated over 384 s or over the first 128 s reading of 1 Wh.
    t = tariff(
        element(component(ENERGY, "0.20"), end_time=hm("17:00")),
        element(component(ENERGY, "0.30")),
    )
    start = local("2024-01-15 17:00") - timedelta(seconds=1)
    coarse, fine = (
        price_session(t, _readings(start, 384, 3, n), time_zone=AMSTERDAM) for n in (1, 3)
    )
    first = coarse.charging_periods[0].dimensions[0]
    assert (first.type, first.volume) == (CdrDimensionType.ENERGY, D("0.000007812"))
    assert coarse == fine
