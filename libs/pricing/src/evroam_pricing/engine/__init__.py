"""OCPI 2.2.1 pricing of a session: periods, element selection, step_size, VAT, limits.

Entry points: `price_session`, `price_expired_reservation`, `preview`, and
`price_charging_periods` (an eMSP re-pricing a CDR from its charging periods). Rounding happens
once, in `rounding` (see its docstring); everything else is exact Decimal arithmetic.
"""

from evroam_pricing.engine.recompute import price_charging_periods
from evroam_pricing.engine.result import (
    CdrDimension,
    CdrDimensionType,
    ChargingPeriod,
    CostCategory,
    CostLine,
    PricedSession,
)
from evroam_pricing.engine.rounding import to_minor_unit
from evroam_pricing.engine.session import preview, price_expired_reservation, price_session
from evroam_pricing.engine.usage import MeterSample, Reservation, SessionUsage

__all__ = [
    "CdrDimension",
    "CdrDimensionType",
    "ChargingPeriod",
    "CostCategory",
    "CostLine",
    "MeterSample",
    "PricedSession",
    "Reservation",
    "SessionUsage",
    "preview",
    "price_charging_periods",
    "price_expired_reservation",
    "price_session",
    "to_minor_unit",
]
