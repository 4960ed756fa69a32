"""OCPP MeterValue lists to normalized samples (OCPP 1.6 section 7.17 SampledValue; OCPP 2.0.1
SampledValueType, whose value is a number with `unitOfMeasure {unit, multiplier}`).

Defaults when a field is absent: measurand Energy.Active.Import.Register, unit Wh, context
Sample.Periodic, multiplier 0. Phase-less values are totals; where only per-phase values come,
the line phases (L1, L2, L3, or L1-N, L2-N, L3-N) are summed: a meter reporting per-phase
registers only would otherwise be billed for one phase. Signed values are read in `signed.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from evroam_contracts.shared import MeterSample

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
SOC = "SoC"
LINE_PHASES = frozenset({"L1", "L2", "L3", "L1-N", "L2-N", "L3-N"})
_SCALE = {"Wh": 1, "kWh": 1000, "W": 1, "kW": 1000}


class MeterValueError(ValueError):
    """A sampled value that cannot be read as a number or a timestamp."""


def parse_timestamp(raw: str) -> datetime:
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MeterValueError(f"bad timestamp {raw!r}") from exc
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _number(raw: Any) -> Decimal:
    try:
        number = Decimal(str(raw))
    except InvalidOperation as exc:
        raise MeterValueError(f"not a number: {raw!r}") from exc
    if not number.is_finite():  # "NaN" and "Infinity" parse, but no meter reads them
        raise MeterValueError(f"not a finite number: {raw!r}")
    return number


def _value(v: Mapping[str, Any], default_unit: str) -> tuple[Decimal, str]:
    """The value and its unit; a 2.0.1 multiplier is applied here (kWh x 10^0 = Wh x 10^3)."""
    measure = v.get("unit_of_measure")
    if isinstance(measure, Mapping):
        unit = str(measure.get("unit", default_unit))
        return _number(v["value"]).scaleb(int(measure.get("multiplier", 0))), unit
    return _number(v["value"]), str(v.get("unit", default_unit))


def _reading(values: Iterable[Mapping[str, Any]], measurand: str) -> tuple[Decimal, str] | None:
    matching = [v for v in values if v.get("measurand", ENERGY) == measurand]
    if not matching:
        return None
    default_unit = {ENERGY: "Wh", POWER: "W", CURRENT: "A", SOC: "Percent"}[measurand]
    totals = [v for v in matching if not v.get("phase")]
    if totals:
        return _value(totals[0], default_unit)
    lines = [v for v in matching if v.get("phase") in LINE_PHASES]
    if not lines:
        return None  # only neutral or line-to-line values: no total to take
    readings = [_value(v, default_unit) for v in lines]
    return sum((r[0] for r in readings), Decimal(0)), readings[0][1]


def to_samples(meter_value: Iterable[Mapping[str, Any]]) -> list[MeterSample]:
    """One sample per MeterValue element that carries an energy register reading. An OCPP 1.6
    value of format SignedData is a signed blob, not a reading, even though its measurand
    defaults to the energy register: it is left to `signed.signed_readings`."""
    samples = []
    for element in meter_value:
        values = [v for v in element.get("sampled_value", ()) if v.get("format") != "SignedData"]
        energy = _reading(values, ENERGY)
        if energy is None:
            continue  # a power-only reading cannot be priced; energy comes with the next one
        power, current, soc = (
            _reading(values, POWER),
            _reading(values, CURRENT),
            _reading(values, SOC),
        )
        samples.append(
            MeterSample(
                at=parse_timestamp(str(element["timestamp"])),
                energy_wh=int(energy[0] * _SCALE.get(energy[1], 1)),
                power_w=int(power[0] * _SCALE.get(power[1], 1)) if power else None,
                current_a=current[0] if current else None,
                soc=int(soc[0]) if soc else None,
            )
        )
    return samples
