"""evroam-pricing: the one implementation of OCPI 2.2.1 tariff pricing in evroam.

Pure: no I/O, no clock, no globals. `model` holds the tariff and its OCPI JSON mapping,
`engine` prices sessions, `errors` has one error class per rule.
"""

from evroam_pricing.currency import minor_unit
from evroam_pricing.engine import (
    CdrDimension,
    CdrDimensionType,
    ChargingPeriod,
    CostCategory,
    CostLine,
    MeterSample,
    PricedSession,
    Reservation,
    SessionUsage,
    preview,
    price_charging_periods,
    price_expired_reservation,
    price_session,
)
from evroam_pricing.model import (
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
    tariff_from_ocpi,
    tariff_to_ocpi,
)

__all__ = [
    "CdrDimension",
    "CdrDimensionType",
    "ChargingPeriod",
    "CostCategory",
    "CostLine",
    "DayOfWeek",
    "DisplayText",
    "MeterSample",
    "Price",
    "PriceComponent",
    "PricedSession",
    "Reservation",
    "ReservationRestrictionType",
    "SessionUsage",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
    "minor_unit",
    "preview",
    "price_charging_periods",
    "price_expired_reservation",
    "price_session",
    "tariff_from_ocpi",
    "tariff_to_ocpi",
]
