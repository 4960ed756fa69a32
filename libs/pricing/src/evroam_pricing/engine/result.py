"""What the engine returns: OCPI charging periods, itemised cost lines and session totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from evroam_pricing.model.tariff import Price, TariffDimensionType


class CdrDimensionType(StrEnum):
    """OCPI 2.2.1 CDRs: CdrDimensionType, the values a priced period can carry."""

    ENERGY = "ENERGY"
    MAX_CURRENT = "MAX_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_CURRENT = "MIN_CURRENT"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    RESERVATION_TIME = "RESERVATION_TIME"
    TIME = "TIME"


class CostCategory(StrEnum):
    """Which CDR breakdown total a cost line counts towards."""

    FIXED = "FIXED"  # total_fixed_cost: FLAT fees of the session
    ENERGY = "ENERGY"  # total_energy_cost
    TIME = "TIME"  # total_time_cost: charging time
    PARKING_TIME = "PARKING_TIME"  # total_parking_cost
    RESERVATION = "RESERVATION"  # total_reservation_cost: reservation time and fees


@dataclass(frozen=True)
class CdrDimension:
    """Volume in OCPI units: kWh, hours, kW or A. Measured, not rounded to any step."""

    type: CdrDimensionType
    volume: Decimal


@dataclass(frozen=True)
class ChargingPeriod:
    """OCPI 2.2.1 CDRs: ChargingPeriod. `end_date_time` is not an OCPI field (a period ends
    where the next starts, the last at the session end); it is given for convenience."""

    start_date_time: datetime
    end_date_time: datetime
    dimensions: tuple[CdrDimension, ...]
    tariff_id: str | None


@dataclass(frozen=True)
class CostLine:
    """One priced quantity: `quantity` (kWh, hours, or 1 for a FLAT fee) at `unit_price`.

    `quantity` is what is billed, including `step_extra`, the part added by step_size
    rounding. `cost` is at full precision: lines are never rounded.
    """

    category: CostCategory
    dimension: TariffDimensionType
    quantity: Decimal
    step_extra: Decimal
    unit_price: Decimal
    vat: Decimal | None
    cost: Price
    from_at: datetime
    to_at: datetime


@dataclass(frozen=True)
class PricedSession:
    """The priced session. Every `Price` here is rounded to the currency's minor unit
    (ROUND_HALF_UP); quantities and `lines` are not. A breakdown total is None when no line
    counts towards it. `total_cost` is the only amount `min_price`/`max_price` apply to."""

    currency: str
    charging_periods: tuple[ChargingPeriod, ...]
    total_cost: Price
    total_fixed_cost: Price | None
    total_energy_cost: Price | None
    total_time_cost: Price | None
    total_parking_cost: Price | None
    total_reservation_cost: Price | None
    total_energy_kwh: Decimal
    total_time_h: Decimal
    total_parking_time_h: Decimal
    lines: tuple[CostLine, ...]
