"""OCPP 2.0.1 meter values become normalized samples: SampledValueType as the `ocpp` library
hands it to handlers (snake_case keys, a numeric value, `unit_of_measure {unit, multiplier}`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from evroam_contracts.shared import MeterSample
from evroam_gateway.domain.meter import MeterValueError, to_samples

AT = "2026-03-02T09:00:00.000Z"


def energy(value: Any, unit: str | None = "Wh", multiplier: int | None = None) -> dict[str, Any]:
    measure: dict[str, Any] = {}
    if unit is not None:
        measure["unit"] = unit
    if multiplier is not None:
        measure["multiplier"] = multiplier
    return {
        "value": value,
        "context": "Sample.Periodic",
        "measurand": "Energy.Active.Import.Register",
        "location": "Outlet",
        "unit_of_measure": measure,
    }


def measured(measurand: str, value: Any, unit: str, phase: str | None = None) -> dict[str, Any]:
    v: dict[str, Any] = {"value": value, "measurand": measurand, "unit_of_measure": {"unit": unit}}
    if phase is not None:
        v["phase"] = phase
    return v


def sample(*sampled_value: dict[str, Any]) -> MeterSample:
    [s] = to_samples([{"timestamp": AT, "sampled_value": list(sampled_value)}])
    return s


@pytest.mark.parametrize(
    ("value", "unit", "multiplier", "wh"),
    [
        (12.345, "kWh", 0, 12_345),
        (12.345, "kWh", None, 12_345),
        (12.5, "Wh", 3, 12_500),
        (1234, "Wh", 0, 1234),
        (1234, None, None, 1234),
        (123_456, "Wh", -1, 12_345),
        (1.2, "kWh", 3, 1_200_000),
    ],
)
def test_the_energy_register_is_scaled_by_its_unit_and_multiplier_to_wh(
    value: float, unit: str | None, multiplier: int | None, wh: int
) -> None:
    assert sample(energy(value, unit, multiplier)).energy_wh == wh


def test_a_float_value_is_read_as_the_station_wrote_it() -> None:
    # 1.005 as a binary float is 1.00499999...; read naively it would lose a watt-hour.
    assert sample(energy(1.005, "kWh")).energy_wh == 1005


def test_the_timestamp_of_the_meter_value_is_the_samples() -> None:
    assert sample(energy(1)).at == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_sampled_value_without_a_measurand_is_the_energy_register() -> None:
    assert sample({"value": 42.0, "unit_of_measure": {"unit": "kWh"}}).energy_wh == 42_000


@pytest.mark.parametrize(
    ("power", "w"),
    [
        (measured("Power.Active.Import", 7400, "W"), 7400),
        (measured("Power.Active.Import", 11, "kW"), 11_000),
        (measured("Power.Active.Import", 7.4, "kW"), 7400),
        ({"value": 7.4, "measurand": "Power.Active.Import", "unit_of_measure": {}}, 7),
        (
            {
                "value": 3.7,
                "measurand": "Power.Active.Import",
                "unit_of_measure": {"unit": "W", "multiplier": 3},
            },
            3700,
        ),
    ],
)
def test_active_power_is_read_in_w(power: dict[str, Any], w: int) -> None:
    assert sample(energy(1), power).power_w == w


def test_per_phase_currents_are_summed_when_no_total_comes() -> None:
    s = sample(
        energy(1),
        measured("Current.Import", 16, "A", "L1"),
        measured("Current.Import", 16.0, "A", "L2"),
        measured("Current.Import", 15.5, "A", "L3"),
    )

    assert s.current_a == Decimal("47.5")


def test_a_total_current_wins_over_per_phase_currents() -> None:
    s = sample(
        energy(1),
        measured("Current.Import", 16, "A", "L1"),
        measured("Current.Import", 32, "A"),
    )

    assert s.current_a == Decimal(32)


def test_the_state_of_charge_is_read_in_percent() -> None:
    s = sample(energy(1), measured("SoC", 80, "Percent"))

    assert (s.soc, s.power_w, s.current_a) == (80, None, None)


def test_a_transaction_event_with_begin_and_end_readings_gives_one_sample_each() -> None:
    meter_value = [
        {
            "timestamp": "2026-03-02T09:00:00Z",
            "sampled_value": [{**energy(1.5, "kWh"), "context": "Transaction.Begin"}],
        },
        {
            "timestamp": "2026-03-02T10:00:00Z",
            "sampled_value": [
                {**energy(12.5, "kWh"), "context": "Transaction.End"},
                measured("SoC", 93, "Percent"),
            ],
        },
    ]

    assert [(s.energy_wh, s.soc) for s in to_samples(meter_value)] == [(1500, None), (12_500, 93)]


def test_a_power_only_reading_of_a_201_station_is_not_a_sample() -> None:
    meter_value = [{"timestamp": AT, "sampled_value": [measured("Power.Active.Import", 7, "kW")]}]

    assert to_samples(meter_value) == []


@pytest.mark.parametrize("value", ["lots", None, [1], {"value": 1}, True])
def test_a_value_that_is_not_a_number_is_refused(value: Any) -> None:
    with pytest.raises(MeterValueError):
        sample(energy(value))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "NaN", "-Infinity"])
def test_a_value_that_is_no_finite_number_is_refused(value: Any) -> None:
    with pytest.raises(MeterValueError):
        sample(energy(value))


def test_per_phase_energy_registers_without_a_total_are_summed() -> None:
    phases = [
        {"value": v, "phase": p, "measurand": "Energy.Active.Import.Register"}
        for v, p in ((1000, "L1"), (2000, "L2"), (3000, "L3"))
    ]
    neutral = {"value": 9, "phase": "N", "measurand": "Energy.Active.Import.Register"}
    [s] = to_samples([{"timestamp": "2026-03-01T10:00:00Z", "sampled_value": [*phases, neutral]}])
    assert s.energy_wh == 6000
