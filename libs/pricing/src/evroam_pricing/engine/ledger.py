"""Priced periods -> cost lines, with step_size applied once per session.

OCPI 2.2.1 CDRs: step_size — step_size is taken into account once per session for ENERGY and
once for TIME and PARKING_TIME combined, on the session total of that quantity, never per
period. The step_size of the last component used decides, and the extra quantity is billed at
that component's price. When parking time is priced, only the total parking time is rounded
and charging time is not (the 21 min charge + 7 min park example); otherwise the total charging
time is. Reservation time is rounded on its own (the Tariffs reservation examples). Only
quantities that a component was active for count: free parking after 20:00 is not rounded
(the Tariffs "switching to Free-of-Charge Tariff Element" example).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from evroam_pricing.engine.periods import Period
from evroam_pricing.engine.result import CostCategory, CostLine
from evroam_pricing.engine.rounding import with_vat
from evroam_pricing.engine.selection import Phase, Selected
from evroam_pricing.model.tariff import Price, TariffDimensionType

Dim = TariffDimensionType

# Native units: Wh for ENERGY, seconds for the times (the step_size multipliers), 1 for FLAT.
_PER_UNIT = {Dim.ENERGY: Decimal(1000), Dim.TIME: Decimal(3600), Dim.PARKING_TIME: Decimal(3600)}
_SESSION_CATEGORY = {
    Dim.ENERGY: CostCategory.ENERGY,
    Dim.TIME: CostCategory.TIME,
    Dim.PARKING_TIME: CostCategory.PARKING_TIME,
}


@dataclass(frozen=True)
class Draft:
    """A cost line before pricing: `amount` in native units (Wh, s, or 1 for FLAT)."""

    category: CostCategory
    selected: Selected
    amount: Decimal
    from_at: datetime
    to_at: datetime
    step_extra: Decimal = Decimal(0)

    @property
    def dimension(self) -> TariffDimensionType:
        return self.selected.component.type


def drafts_for(periods: Sequence[Period]) -> list[Draft]:
    """One draft per period and priced dimension with a non-zero quantity, in time order."""
    drafts = []
    for period in periods:
        for dimension, selected in period.selected:
            amount = period.energy_wh if dimension is Dim.ENERGY else period.seconds
            if amount <= 0:
                continue
            category = (
                _SESSION_CATEGORY[dimension]
                if period.phase is Phase.SESSION
                else CostCategory.RESERVATION
            )
            drafts.append(Draft(category, selected, amount, period.start, period.end))
    return drafts


def apply_step_sizes(drafts: Sequence[Draft]) -> list[Draft]:
    result = list(drafts)
    for group in _step_groups(result):
        if not group:
            continue
        last = group[-1]
        consumed = sum((result[i].amount for i in group), Decimal(0))
        billed = round_up_to_step(consumed, result[last].selected.component.step_size)
        extra = billed - consumed
        result[last] = replace(result[last], amount=result[last].amount + extra, step_extra=extra)
    return result


def round_up_to_step(quantity: Decimal, step_size: int) -> Decimal:
    """OCPI 2.2.1 Tariffs: step_size — the smallest multiple of step_size >= quantity
    (115.2 Wh at step 25 is billed as 125 Wh)."""
    blocks = (quantity / step_size).to_integral_value(rounding=ROUND_CEILING)
    return blocks * step_size


def cost_line(draft: Draft) -> CostLine:
    component = draft.selected.component
    per_unit = _PER_UNIT.get(draft.dimension, Decimal(1))
    excl = component.price * draft.amount / per_unit
    return CostLine(
        category=draft.category,
        dimension=draft.dimension,
        quantity=draft.amount / per_unit,
        step_extra=draft.step_extra / per_unit,
        unit_price=component.price,
        vat=component.vat,
        cost=Price(excl, with_vat(excl, component.vat)),
        from_at=draft.from_at,
        to_at=draft.to_at,
    )


def _step_groups(drafts: Sequence[Draft]) -> list[list[int]]:
    def where(category: CostCategory, dimension: TariffDimensionType) -> list[int]:
        return [
            i for i, d in enumerate(drafts) if d.category is category and d.dimension is dimension
        ]

    parking = where(CostCategory.PARKING_TIME, Dim.PARKING_TIME)
    return [
        where(CostCategory.ENERGY, Dim.ENERGY),
        parking or where(CostCategory.TIME, Dim.TIME),
        where(CostCategory.RESERVATION, Dim.TIME),
    ]
