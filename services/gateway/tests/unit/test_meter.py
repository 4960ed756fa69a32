"""OCPP 1.6 meter values become normalized samples."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from evroam_gateway.domain.meter import MeterValueError, to_samples


def test_a_bare_value_is_an_import_register_reading_in_wh() -> None:
    [s] = to_samples([{"timestamp": "2026-03-02T09:00:00Z", "sampled_value": [{"value": "1234"}]}])
    assert (s.at, s.energy_wh, s.power_w) == (datetime(2026, 3, 2, 9, tzinfo=UTC), 1234, None)


def test_kwh_and_kw_are_scaled_and_phase_currents_summed() -> None:
    [s] = to_samples(
        [
            {
                "timestamp": "2026-03-02T09:00:00+01:00",
                "sampled_value": [
                    {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
                    {"value": "11", "measurand": "Power.Active.Import", "unit": "kW"},
                    {"value": "16", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
                    {"value": "15.5", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
                    {"value": "80", "measurand": "SoC", "unit": "Percent"},
                ],
            }
        ]
    )
    assert s.at == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert (s.energy_wh, s.power_w, s.current_a, s.soc) == (12_500, 11_000, Decimal("31.5"), 80)


def test_a_reading_without_an_energy_register_is_not_a_sample() -> None:
    assert (
        to_samples(
            [
                {
                    "timestamp": "2026-03-02T09:00:00Z",
                    "sampled_value": [{"value": "7000", "measurand": "Power.Active.Import"}],
                }
            ]
        )
        == []
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"timestamp": "yesterday", "sampled_value": [{"value": "1"}]},
        {"timestamp": "2026-03-02T09:00:00Z", "sampled_value": [{"value": "lots"}]},
    ],
)
def test_unreadable_values_are_refused_with_the_reason(bad: dict[str, object]) -> None:
    with pytest.raises(MeterValueError):
        to_samples([bad])
