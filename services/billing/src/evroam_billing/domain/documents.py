"""What an invoice or a credit note adds up to: totals per currency and the VAT table (one row
per currency, country and rate). Exact Decimal sums of the lines' rounded amounts, never float,
and no rounding of their own: the lines were rounded once when they were billed (lines.py), so
the rows always add up to the totals.

The VAT of a row is the sum of its lines' VAT as their CDRs state it (incl. - excl.), not the
row's excl. amount x rate recomputed: the driver pays exactly what each CDR said (ADR 0021)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from evroam_contracts.billing import (
    CreditNoteLine,
    DocumentTotal,
    InvoiceLineAdded,
    VatPart,
    VatSubtotal,
)
from evroam_contracts.shared import Price


@dataclass(frozen=True)
class LineMoney:
    """The money of one line, whatever document it is on."""

    currency: str
    energy_kwh: Decimal
    amount: Price
    country: str | None
    vat: tuple[VatPart, ...]

    @classmethod
    def of(cls, line: InvoiceLineAdded | CreditNoteLine) -> LineMoney:
        return cls(line.currency, line.energy_kwh, line.amount, line.country, line.vat)

    @property
    def parts(self) -> tuple[VatPart, ...]:
        """A line billed before VAT was derived has one part at an unknown rate."""
        if self.vat:
            return self.vat
        return (VatPart(excl_vat=self.amount.excl_vat, incl_vat=self.amount.incl_vat),)


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """incl. VAT is unknown as soon as one part's is (OCPI Price: incl_vat absent)."""
    return None if a is None or b is None else a + b


def totals(lines: Iterable[LineMoney]) -> tuple[DocumentTotal, ...]:
    acc: dict[str, tuple[int, Decimal, Decimal, Decimal | None]] = {}
    for line in lines:
        n, kwh, excl, incl = acc.get(line.currency, (0, Decimal(0), Decimal(0), Decimal(0)))
        acc[line.currency] = (
            n + 1,
            kwh + line.energy_kwh,
            excl + line.amount.excl_vat,
            _add(incl, line.amount.incl_vat),
        )
    return tuple(
        DocumentTotal(
            currency=currency,
            lines=n,
            energy_kwh=kwh,
            excl_vat=excl,
            vat=None if incl is None else incl - excl,
            incl_vat=incl,
        )
        for currency, (n, kwh, excl, incl) in sorted(acc.items())
    )


_RowKey = tuple[str, str, Decimal | None]


def vat_table(lines: Iterable[LineMoney]) -> tuple[VatSubtotal, ...]:
    acc: dict[_RowKey, tuple[Decimal, Decimal | None]] = {}
    for line in lines:
        for part in line.parts:
            key = (line.currency, line.country or "", part.rate)
            excl, incl = acc.get(key, (Decimal(0), Decimal(0)))
            acc[key] = (excl + part.excl_vat, _add(incl, part.incl_vat))
    return tuple(
        VatSubtotal(
            currency=currency,
            country=country or None,
            rate=rate,
            excl_vat=excl,
            vat=None if incl is None else incl - excl,
            incl_vat=incl,
        )
        for (currency, country, rate), (excl, incl) in sorted(acc.items(), key=_row_order)
    )


def _row_order(item: tuple[_RowKey, object]) -> tuple[str, str, Decimal]:
    currency, country, rate = item[0]
    return currency, country, Decimal(-1) if rate is None else rate


def document_number(issuer: str, year: int, sequence: int) -> str:
    """`NL-EVR-2026-000001`: the issuer's party, the year, and the gapless sequence number."""
    return f"{issuer.replace('*', '-')}-{year:04d}-{sequence:06d}"


def money_of(lines: Sequence[InvoiceLineAdded | CreditNoteLine]) -> list[LineMoney]:
    return [LineMoney.of(line) for line in lines]
