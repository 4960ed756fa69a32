"""More energy, or a longer session, never costs less, with non-negative prices and no
max_price. Exactly so when billed per Wh and per second (step_size 1, nothing free); with
larger step_sizes, OCPI's step rule can take back less than one step of its dearest component
(OCPI 2.2.1 CDRs: step_size — the last component's step decides and the extra is billed at its
price; with parking priced, charging time is not rounded). The last two tests show both.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

# hypothesis is a test-only dependency (dependency group "test"); without it these are skipped.
pytest.importorskip("hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_strategies import (
    EVERY_KIND,
    PER_UNIT,
    STEPS,
    WALL_CLOCK,
    Steps,
    longer,
    prices,
    sessions,
    tariffs,
    with_more_energy,
)
from pricing_support import (
    AMSTERDAM,
    ENERGY,
    PARKING,
    TIME,
    D,
    component,
    element,
    hm,
    local,
    minutes,
    sample,
    session,
    tariff,
)

from evroam_pricing import Price, SessionUsage, Tariff, TariffDimensionType, price_session

EXAMPLES = settings(max_examples=200, deadline=None, database=None)
_FAMILIES = (
    {ENERGY: Decimal(1000)},  # step in Wh, price per kWh
    {TIME: Decimal(3600), PARKING: Decimal(3600)},  # steps in s, prices per hour
)


def _costs(t: Tariff, usage: SessionUsage) -> tuple[Decimal, Decimal]:
    """The sum of the lines at full precision, and the rounded total_cost (excl. VAT)."""
    priced = price_session(t, usage, time_zone=AMSTERDAM)
    lines = sum((line.cost.excl_vat for line in priced.lines), Decimal(0))
    return lines, priced.total_cost.excl_vat


def _one_step_at_most(t: Tariff, dimensions: tuple[TariffDimensionType, ...]) -> Decimal:
    """What step rounding can add: per family, one step of its dearest step x price."""
    components = [c for e in t.elements for c in e.price_components if c.type in dimensions]
    slack = Decimal(0)
    for unit in _FAMILIES:
        blocks = [c.step_size * c.price / unit[c.type] for c in components if c.type in unit]
        slack += max(blocks, default=Decimal(0))
    return slack


def _with_min_price(t: Tariff, low: Decimal | None) -> Tariff:
    return t if low is None else tariff(*t.elements, min_price=Price(low))


Case = tuple[Tariff, SessionUsage, SessionUsage]


@st.composite
def more_energy(draw: st.DrawFn, steps: Steps = STEPS, default: bool = False) -> Case:
    """Restrictions that do not look at energy or power, so the same instants are priced by
    the same components; more energy in every sample interval."""
    t = draw(tariffs(kinds=WALL_CLOCK, steps=steps, default=default))
    usage = draw(sessions())
    return _with_min_price(t, draw(st.none() | prices)), usage, draw(with_more_energy(usage))


@st.composite
def more_time(draw: st.DrawFn, steps: Steps = STEPS, default: bool = False) -> Case:
    """Any restrictions: the session goes on, so what was priced stays as it was."""
    t = draw(tariffs(kinds=EVERY_KIND, steps=steps, default=default))
    usage = draw(sessions(min_samples=1))
    return _with_min_price(t, draw(st.none() | prices)), usage, draw(longer(usage))


@EXAMPLES
@given(more_energy(steps=PER_UNIT, default=True))
def test_more_energy_in_the_same_hours_never_costs_less_when_billed_per_wh(case: Case) -> None:
    t, usage, grown = case
    (exact, rounded), (exact_grown, rounded_grown) = _costs(t, usage), _costs(t, grown)
    assert exact_grown >= exact
    assert rounded_grown >= rounded


@EXAMPLES
@given(more_time(steps=PER_UNIT, default=True))
def test_a_longer_session_never_costs_less_when_billed_per_wh_and_second(case: Case) -> None:
    t, usage, grown = case
    (exact, rounded), (exact_grown, rounded_grown) = _costs(t, usage), _costs(t, grown)
    assert exact_grown >= exact
    assert rounded_grown >= rounded


@EXAMPLES
@given(more_energy())
def test_with_step_sizes_more_energy_costs_less_by_under_one_energy_step_at_most(
    case: Case,
) -> None:
    t, usage, grown = case
    (exact, rounded), (exact_grown, rounded_grown) = _costs(t, usage), _costs(t, grown)
    slack = _one_step_at_most(t, (ENERGY,))
    assert exact - exact_grown <= slack
    assert rounded - rounded_grown <= slack + D("0.01")


@EXAMPLES
@given(more_time())
def test_with_step_sizes_a_longer_session_costs_less_by_under_one_step_at_most(case: Case) -> None:
    t, usage, grown = case
    (exact, rounded), (exact_grown, rounded_grown) = _costs(t, usage), _costs(t, grown)
    slack = _one_step_at_most(t, (ENERGY, TIME, PARKING))
    assert exact - exact_grown <= slack
    assert rounded - rounded_grown <= slack + D("0.01")


def test_one_more_wh_can_cost_less_when_the_step_extra_moves_to_a_cheaper_component() -> None:
    # 400 Wh before 17:00 @0.30, step 500: billed 500 Wh @0.30 = 0.15. One more Wh after 17:00
    # (@0.20, step 500) makes that the last component: 400 Wh @0.30 + 100 Wh @0.20 = 0.14.
    t = tariff(
        element(component(ENERGY, "0.30", step=500), end_time=hm("17:00")),
        element(component(ENERGY, "0.20", step=500)),
    )
    start = local("2024-01-15 16:00")

    def usage(wh_at_18: int) -> SessionUsage:
        samples = (sample(start + minutes(60), 400), sample(start + minutes(120), wh_at_18))
        return SessionUsage(start, 0, samples, start + minutes(120))

    assert _costs(t, usage(400))[1] == D("0.15")
    assert _costs(t, usage(401))[1] == D("0.14")


def test_one_minute_of_priced_parking_ends_the_rounding_of_charging_time() -> None:
    # 21 min charging @6.00/h, step 900 s: billed 30 min = 3.00. One minute of parking
    # (@0.60/h, step 60 s) is then the rounded quantity instead: 21 min = 2.10 + 0.01 = 2.11.
    t = tariff(element(component(TIME, "6.00", step=900), component(PARKING, "0.60", step=60)))
    start = local("2024-01-15 10:00")
    assert _costs(t, session(start, minutes(21), 5_000))[1] == D("3.00")
    assert _costs(t, session(start, minutes(21), 5_000, park=minutes(1)))[1] == D("2.11")
