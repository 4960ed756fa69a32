"""The VAT of a line: the rate(s) the CDR's own amounts imply, checked against the standard rate
of the country where the charging took place.

The CDR states every cost excl. and incl. VAT (OCPI 2.2.1 Price), per cost dimension where it
has them (energy, time, parking, fixed, reservation). We never recompute its VAT: a line's VAT
is its incl. minus its excl. amount, and the rate is the one that explains that difference. A
rate explains a price when excl x rate matches the VAT to within the rounding of the two amounts
to the minor unit (each is off by at most half a unit, so the VAT is off by at most half a unit
x (2 + rate)). The standard rate is tried first, then 0 %; a price neither explains gets the
rate it implies, to 0.01 %, and the line says why it is flagged (ADR 0021)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from evroam_contracts.billing import VatPart
from evroam_contracts.shared import Price

HUNDRED = Decimal(100)
RATE_SHOWN = Decimal("0.01")


@dataclass(frozen=True)
class LineVat:
    rate: Decimal | None  # None when the line mixes rates or its VAT is unknown
    parts: tuple[VatPart, ...]
    note: str | None  # why the line is flagged; None when all is as expected


def explains(price: Price, rate: Decimal, unit: Decimal) -> bool:
    if price.incl_vat is None:
        return False
    vat = price.incl_vat - price.excl_vat
    return abs(vat - price.excl_vat * rate / HUNDRED) <= unit / 2 * (2 + rate / HUNDRED)


def implied_rate(price: Price) -> Decimal | None:
    if price.incl_vat is None or price.excl_vat == 0:
        return None
    rate = ((price.incl_vat - price.excl_vat) / price.excl_vat * HUNDRED).quantize(RATE_SHOWN)
    if rate == rate.to_integral_value():
        return abs(rate.quantize(Decimal(1))) if rate == 0 else rate.quantize(Decimal(1))
    return rate.normalize()  # 20.50 -> 20.5; normalize alone would print 20.00 as 2E+1


def rate_of(price: Price, candidates: Sequence[Decimal | None], unit: Decimal) -> Decimal | None:
    """The first candidate rate that explains the price, else the rate it implies."""
    for rate in candidates:
        if rate is not None and explains(price, rate, unit):
            return rate
    return implied_rate(price)


def derive_vat(
    total: Price,
    dimensions: Sequence[Price],
    *,
    country: str,
    standard: Decimal | None,
    unit: Decimal,
) -> LineVat:
    """The VAT of a line of amount `total`, whose CDR has the cost dimensions `dimensions`
    (same sign and rounding as the total), charged in `country`."""
    if total.incl_vat is None:
        return LineVat(
            None, (VatPart(excl_vat=total.excl_vat),), "no amount incl. VAT: VAT unknown"
        )
    known = [p for p in dimensions if p.incl_vat is not None and p.excl_vat != 0]
    rates = [rate_of(p, (standard, Decimal(0)), unit) for p in known]
    if len(set(rates)) > 1:
        return _mixed(total, known, rates, country=country, standard=standard)
    rate = rate_of(total, (*rates, standard, Decimal(0)), unit)
    part = VatPart(rate=rate, excl_vat=total.excl_vat, incl_vat=total.incl_vat)
    return LineVat(rate, (part,), _check(rate, country, standard))


def _check(rate: Decimal | None, country: str, standard: Decimal | None) -> str | None:
    if standard is None:
        return f"no standard VAT rate known for {country}"
    if rate is None:
        return f"VAT rate cannot be derived; the standard rate of {country} is {standard} %"
    if rate != standard:
        return f"VAT rate {rate} % is not the standard rate of {country}, {standard} %"
    return None


def _mixed(
    total: Price,
    known: Sequence[Price],
    rates: Sequence[Decimal | None],
    *,
    country: str,
    standard: Decimal | None,
) -> LineVat:
    """Cost dimensions at different rates: one part per rate. What the dimensions do not add
    up to (min/max price, rounding of the breakdown) goes to the largest part, so the parts
    always add up to the line."""
    by_rate: dict[Decimal | None, tuple[Decimal, Decimal]] = {}
    for price, rate in zip(known, rates, strict=True):
        excl, incl = by_rate.get(rate, (Decimal(0), Decimal(0)))
        by_rate[rate] = (excl + price.excl_vat, incl + (price.incl_vat or Decimal(0)))
    largest = max(by_rate, key=lambda r: abs(by_rate[r][0]))
    excl, incl = by_rate[largest]
    rest_excl = total.excl_vat - sum(e for e, _ in by_rate.values())
    rest_incl = (total.incl_vat or Decimal(0)) - sum(i for _, i in by_rate.values())
    by_rate[largest] = (excl + rest_excl, incl + rest_incl)
    parts = tuple(
        VatPart(rate=r, excl_vat=e, incl_vat=i)
        for r, (e, i) in sorted(
            by_rate.items(), key=lambda kv: Decimal(-1) if kv[0] is None else kv[0]
        )
    )
    notes = [f"mixed VAT rates by cost dimension: {', '.join(f'{r} %' for r in by_rate)}"]
    notes += [n for r in by_rate if (n := _check(r, country, standard))]
    return LineVat(None, parts, "; ".join(notes))
