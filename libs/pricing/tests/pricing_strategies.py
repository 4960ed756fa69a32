"""Hypothesis strategies for the pricing properties: tariffs, sessions, and the ways a session
is grown or re-sampled. Import after `pytest.importorskip("hypothesis")`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from pricing_support import ENERGY, FLAT, PARKING, TIME, D, sample, tariff

from evroam_pricing import (
    DayOfWeek,
    MeterSample,
    Price,
    PriceComponent,
    SessionUsage,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
)

Steps = dict[TariffDimensionType, Sequence[int]]

STEPS: Steps = {ENERGY: (1, 100, 500), TIME: (1, 60, 900), PARKING: (1, 300, 900), FLAT: (0, 1)}
# Billing per Wh and per second: with whole-second sessions and whole-Wh readings no step
# rounding ever adds anything (the d2 text advises step_size 1 for OCPI 3.0 compatibility).
PER_UNIT: Steps = {ENERGY: (1,), TIME: (1,), PARKING: (1,), FLAT: (0, 1)}

# Restrictions whose outcome does not depend on the energy or the charging level.
WALL_CLOCK = ("none", "time", "weekday", "duration")
EVERY_KIND = (*WALL_CLOCK, "power", "kwh")

prices = st.decimals(min_value=0, max_value=10, places=2)
vats = st.sampled_from([None, D(0), D(9), D(21)])
# Quarter hours of the day, 00:00 included: start == end (the whole day), end 00:00 (until
# midnight) and end < start (wrapping midnight) all occur.
times_of_day = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def components(
    draw: st.DrawFn, steps: Steps = STEPS, vat: st.SearchStrategy[Decimal | None] = vats
) -> PriceComponent:
    dimension = draw(st.sampled_from([ENERGY, TIME, PARKING, FLAT]))
    return PriceComponent(
        dimension, draw(prices), draw(vat), draw(st.sampled_from(steps[dimension]))
    )


@st.composite
def restrictions(draw: st.DrawFn, kinds: Sequence[str] = EVERY_KIND) -> TariffRestrictions | None:
    kind = draw(st.sampled_from(kinds))
    if kind == "time":
        return TariffRestrictions(start_time=draw(times_of_day), end_time=draw(times_of_day))
    if kind == "weekday":
        days = draw(st.lists(st.sampled_from(list(DayOfWeek)), min_size=1, max_size=3, unique=True))
        return TariffRestrictions(day_of_week=tuple(days))
    if kind == "duration":
        return TariffRestrictions(max_duration=draw(st.integers(60, 4 * 3600)))
    if kind == "power":
        return TariffRestrictions(max_power=D(draw(st.integers(1, 50))))
    if kind == "kwh":
        return TariffRestrictions(min_kwh=D(draw(st.integers(0, 30))))
    return None


@st.composite
def tariffs(
    draw: st.DrawFn,
    *,
    kinds: Sequence[str] = EVERY_KIND,
    steps: Steps = STEPS,
    vat: st.SearchStrategy[Decimal | None] = vats,
    default: bool = False,
    currency: str = "EUR",
) -> Tariff:
    """1-4 random elements; `default` appends an unrestricted ENERGY + TIME + PARKING_TIME
    element, so no stretch of the session is free."""
    elements: list[TariffElement] = []
    for _ in range(draw(st.integers(1, 4))):
        parts = draw(st.lists(components(steps, vat), min_size=1, max_size=3))
        elements.append(TariffElement(tuple(parts), draw(restrictions(kinds))))
    if default:
        parts = [
            PriceComponent(dimension, draw(prices), draw(vat), 1)
            for dimension in (ENERGY, TIME, PARKING)
        ]
        elements.append(TariffElement(tuple(parts)))
    return tariff(*elements, currency=currency)


@st.composite
def sessions(draw: st.DrawFn, *, unit: int = 1, min_samples: int = 0) -> SessionUsage:
    """Charging in 0-6 sample intervals, then parking. Every interval's duration (s) and
    energy (Wh) are multiples of `unit`, so it can be cut into `unit` equal pieces."""
    # Spread over 2024 so that the Amsterdam DST changes fall inside some sessions.
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 525_000)))
    at, wh, samples = start, 0, []
    for _ in range(draw(st.integers(min_samples, 6))):
        at += timedelta(seconds=unit * draw(st.integers(1, 4 * 3600 // unit)))
        wh += unit * draw(st.integers(0, 30_000 // unit))
        samples.append(sample(at, wh, draw(st.none() | st.integers(0, 60_000))))
    # Half the sessions end unplugged right after charging: no parking at all.
    park = timedelta(seconds=draw(st.just(0) | st.integers(1, 3 * 3600)))
    parking = ((at, at + park),) if park else ()
    return SessionUsage(start, 0, tuple(samples), at + park, parking)


@st.composite
def with_more_energy(draw: st.DrawFn, usage: SessionUsage) -> SessionUsage:
    """The same session with at least as much energy in every sample interval."""
    added, samples = 0, []
    for s in usage.samples:
        added += draw(st.integers(0, 10_000))
        samples.append(replace(s, energy_wh=s.energy_wh + added))
    return replace(usage, samples=tuple(samples))


@st.composite
def longer(draw: st.DrawFn, usage: SessionUsage) -> SessionUsage:
    """The same session, continued: more parking, or (if it was not parking yet) more charging
    or a parking tail. The original is a prefix of the result."""
    extra = timedelta(seconds=draw(st.integers(1, 3 * 3600)))
    end = usage.end_at + extra
    if usage.parking:
        *before, (park_start, _) = usage.parking
        return replace(usage, end_at=end, parking=(*before, (park_start, end)))
    if draw(st.booleans()):
        return replace(usage, end_at=end, parking=((usage.end_at, end),))
    last_wh = usage.samples[-1].energy_wh if usage.samples else usage.meter_start_wh
    more = sample(end, last_wh + draw(st.integers(0, 30_000)), draw(st.integers(0, 60_000)))
    return replace(usage, end_at=end, samples=(*usage.samples, more))


@st.composite
def split(draw: st.DrawFn, usage: SessionUsage, unit: int) -> SessionUsage:
    """The same session with some sample intervals cut into `unit` equal pieces by readings on
    the same straight energy line, each carrying the interval's power and current, and maybe
    a reading during parking (flat register, 0 W: what the engine assumes after the last one)."""
    samples: list[MeterSample] = []
    at, wh = usage.start_at, usage.meter_start_wh
    for s in usage.samples:
        if draw(st.booleans()):
            step_time, step_wh = (s.at - at) / unit, (s.energy_wh - wh) // unit
            samples += [
                replace(s, at=at + i * step_time, energy_wh=wh + i * step_wh)
                for i in range(1, unit)
            ]
        samples.append(s)
        at, wh = s.at, s.energy_wh
    parked = (usage.end_at - at).total_seconds()
    if parked > 1 and draw(st.booleans()):
        during = at + timedelta(seconds=draw(st.integers(1, int(parked) - 1)))
        samples.append(sample(during, wh, 0))
    return replace(usage, samples=tuple(samples))


def limits(low: Decimal, extra: Decimal, vat_factor: Decimal | None) -> tuple[Price, Price]:
    """min_price `low` and max_price `low + extra`; incl. VAT bounds at `vat_factor` times the
    excl. ones when given (bounds consistent with a single VAT rate)."""
    high = low + extra
    if vat_factor is None:
        return Price(low), Price(high)
    return Price(low, low * vat_factor), Price(high, high * vat_factor)
