"""Invoice totals: exact decimal sums per currency, never float."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LineAmount:
    currency: str
    excl_vat: Decimal
    incl_vat: Decimal | None
    energy_kwh: Decimal


@dataclass(frozen=True)
class CurrencyTotal:
    """`incl_vat` is None as soon as one line's is unknown (OCPI Price: incl_vat is absent when
    VAT cannot be determined), rather than a sum that silently leaves that line out."""

    currency: str
    lines: int
    excl_vat: Decimal
    incl_vat: Decimal | None
    energy_kwh: Decimal


def totals_by_currency(lines: Iterable[LineAmount]) -> dict[str, CurrencyTotal]:
    totals: dict[str, CurrencyTotal] = {}
    for line in lines:
        t = totals.get(line.currency) or CurrencyTotal(
            line.currency, 0, Decimal(0), Decimal(0), Decimal(0)
        )
        incl = None if t.incl_vat is None or line.incl_vat is None else t.incl_vat + line.incl_vat
        totals[line.currency] = CurrencyTotal(
            line.currency,
            t.lines + 1,
            t.excl_vat + line.excl_vat,
            incl,
            t.energy_kwh + line.energy_kwh,
        )
    return totals
