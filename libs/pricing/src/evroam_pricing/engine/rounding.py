"""Money arithmetic: VAT, min/max price, and the one place amounts are rounded.

Rounding rule (the only one in the library): the `Price` amounts of a `PricedSession` —
`total_cost` and each breakdown total — are rounded to the minor unit of the tariff's currency
(ISO 4217 exponent: 2 for EUR, 0 for JPY, 3 for KWD) with ROUND_HALF_UP, after everything else
(step_size, VAT, min_price/max_price) has been computed at full precision. Cost lines are
never rounded, so the rounded breakdown totals may differ from the rounded `total_cost` by one
minor unit; `total_cost` is the amount owed.

HALF_UP because it is what the OCPI examples print (5.625 -> 5.63, 6.2375 -> 6.24 in the
Tariffs module) and what drivers expect from a receipt; banker's rounding would print 5.62.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

from evroam_pricing.currency import minor_unit
from evroam_pricing.model.tariff import Price

# All engine arithmetic runs in this context, whatever the caller's decimal context is, so the
# same input gives the same digits everywhere. 28 digits is far beyond any money amount.
ARITHMETIC = Context(prec=28, rounding=ROUND_HALF_EVEN)


def to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to the minor unit of `currency` (EUR: 0.01, JPY: 1)."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def round_price(price: Price, currency: str) -> Price:
    incl = price.incl_vat
    return Price(
        excl_vat=to_minor_unit(price.excl_vat, currency),
        incl_vat=None if incl is None else to_minor_unit(incl, currency),
    )


def with_vat(excl_vat: Decimal, vat: Decimal | None) -> Decimal | None:
    """OCPI 2.2.1 Tariffs: PriceComponent.vat — an absent vat means "no VAT applicable", which
    the spec distinguishes from 0 %; its examples then say the price incl. VAT cannot be
    computed. So the amount incl. VAT is unknown (None), except for a zero amount, which is
    zero with any VAT (the spec's free-of-charge example carries no vat for that reason)."""
    if vat is None:
        return Decimal(0) if excl_vat == 0 else None
    return excl_vat * (1 + vat / 100)


def total(prices: Iterable[Price]) -> Price:
    """Sum; `incl_vat` is unknown as soon as one part's is unknown."""
    excl, incl, known = Decimal(0), Decimal(0), True
    for price in prices:
        excl += price.excl_vat
        if price.incl_vat is None:
            known = False
        else:
            incl += price.incl_vat
    return Price(excl, incl if known else None)


def clamp(price: Price, min_price: Price | None, max_price: Price | None) -> Price:
    """OCPI 2.2.1 Tariffs: min_price/max_price — the excl. and incl. VAT totals are each held
    within their own bounds (VAT rates differ per component, so the bounds may bite at
    different points). An unknown incl. VAT total stays unknown."""
    excl = _between(
        price.excl_vat,
        min_price.excl_vat if min_price else None,
        max_price.excl_vat if max_price else None,
    )
    incl = price.incl_vat
    if incl is not None:
        incl = _between(
            incl,
            min_price.incl_vat if min_price else None,
            max_price.incl_vat if max_price else None,
        )
    return Price(excl, incl)


def _between(value: Decimal, low: Decimal | None, high: Decimal | None) -> Decimal:
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value
