"""The OCPI 2.2.1 tariff model and its JSON mapping."""

from evroam_pricing.model.energy_mix import (
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
)
from evroam_pricing.model.ocpi import tariff_from_ocpi, tariff_to_ocpi
from evroam_pricing.model.tariff import (
    DayOfWeek,
    DisplayText,
    Price,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)

__all__ = [
    "DayOfWeek",
    "DisplayText",
    "EnergyMix",
    "EnergySource",
    "EnergySourceCategory",
    "EnvironmentalImpact",
    "EnvironmentalImpactCategory",
    "Price",
    "PriceComponent",
    "ReservationRestrictionType",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
    "tariff_from_ocpi",
    "tariff_to_ocpi",
]
