"""OCPI 2.2.1 Locations: EnergyMix, as a tariff carries it (Tariff.energy_mix), with its JSON
mapping. A new energy mix is a new tariff version, like any other change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from evroam_pricing.errors import MalformedTariffError


class EnergySourceCategory(StrEnum):
    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(StrEnum):
    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


@dataclass(frozen=True)
class EnergySource:
    source: EnergySourceCategory
    percentage: Decimal  # 0..100


@dataclass(frozen=True)
class EnvironmentalImpact:
    category: EnvironmentalImpactCategory
    amount: Decimal  # g/kWh


@dataclass(frozen=True, kw_only=True)
class EnergyMix:
    is_green_energy: bool
    energy_sources: tuple[EnergySource, ...] = ()
    environ_impact: tuple[EnvironmentalImpact, ...] = ()
    supplier_name: str | None = None
    energy_product_name: str | None = None

    def __post_init__(self) -> None:
        for i, s in enumerate(self.energy_sources):
            if not 0 <= s.percentage <= 100:
                raise MalformedTariffError(
                    f"energy_mix.energy_sources[{i}].percentage", "expected 0 to 100"
                )
        # OCPI: the percentages "should" add up to 100; more than 100 cannot be true.
        if sum((s.percentage for s in self.energy_sources), Decimal(0)) > 100:
            raise MalformedTariffError("energy_mix.energy_sources", "percentages exceed 100")
        for i, e in enumerate(self.environ_impact):
            if e.amount < 0:
                raise MalformedTariffError(
                    f"energy_mix.environ_impact[{i}].amount", "expected a non-negative amount"
                )
        for name in ("supplier_name", "energy_product_name"):
            value = getattr(self, name)
            if value is not None and len(value) > 64:
                raise MalformedTariffError(f"energy_mix.{name}", "at most 64 characters")


def _number(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise MalformedTariffError(path, "expected a JSON number")
    return Decimal(str(value))


def _category(cls: type[Any], value: Any, path: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise MalformedTariffError(path, f"{value!r} is not a {cls.__name__}") from None


def energy_mix_from_ocpi(data: Any, path: str = "energy_mix") -> EnergyMix:
    if not isinstance(data, Mapping):
        raise MalformedTariffError(path, "expected an object")
    if not isinstance(data.get("is_green_energy"), bool):
        raise MalformedTariffError(f"{path}.is_green_energy", "required boolean is missing")
    sources = [
        EnergySource(
            _category(EnergySourceCategory, s.get("source"), f"{path}.energy_sources[{i}]"),
            _number(s.get("percentage"), f"{path}.energy_sources[{i}].percentage"),
        )
        for i, s in enumerate(data.get("energy_sources") or [])
    ]
    impacts = [
        EnvironmentalImpact(
            _category(
                EnvironmentalImpactCategory, e.get("category"), f"{path}.environ_impact[{i}]"
            ),
            _number(e.get("amount"), f"{path}.environ_impact[{i}].amount"),
        )
        for i, e in enumerate(data.get("environ_impact") or [])
    ]
    return EnergyMix(
        is_green_energy=data["is_green_energy"],
        energy_sources=tuple(sources),
        environ_impact=tuple(impacts),
        supplier_name=data.get("supplier_name"),
        energy_product_name=data.get("energy_product_name"),
    )


def energy_mix_to_ocpi(mix: EnergyMix) -> dict[str, Any]:
    out: dict[str, Any] = {"is_green_energy": mix.is_green_energy}
    if mix.energy_sources:
        out["energy_sources"] = [
            {"source": str(s.source), "percentage": s.percentage} for s in mix.energy_sources
        ]
    if mix.environ_impact:
        out["environ_impact"] = [
            {"category": str(e.category), "amount": e.amount} for e in mix.environ_impact
        ]
    for name in ("supplier_name", "energy_product_name"):
        if (value := getattr(mix, name)) is not None:
            out[name] = value
    return out
