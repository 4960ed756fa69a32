"""Statement totals per currency: exact Decimal sums, rounded once to the cent (ADR 0007) when
they are shown, never float.

The amount still open is what the eMSP is expected to pay and does not contest: every line
but the disputed ones and the credited ones. A credited CDR and the credit line that cancels
it on the same statement net to zero, so both are left out (leaving out only the CDR would
count the credit against the eMSP); a credit line whose CDR is on no statement we hold still
counts, because it is money the eMSP is owed back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from evroam_billing.domain.statements import CREDITED, DISPUTED, STATES

CENT = Decimal("0.01")


@dataclass(frozen=True)
class LineAmounts:
    """The part of a statement line that totals need."""

    cdr_id: str
    state: str
    currency: str
    energy_kwh: Decimal
    excl_vat: Decimal
    incl_vat: Decimal | None
    credit: bool = False
    credit_reference_id: str | None = None


@dataclass(frozen=True)
class StatementTotal:
    """`incl_vat` (and `open_incl_vat`) is None as soon as one line's is unknown (OCPI Price:
    incl_vat is absent when VAT cannot be determined) rather than a sum missing that line."""

    currency: str
    lines: int
    energy_kwh: Decimal
    excl_vat: Decimal
    incl_vat: Decimal | None
    open_excl_vat: Decimal
    open_incl_vat: Decimal | None


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def is_open(line: LineAmounts, credited: frozenset[str]) -> bool:
    if line.state in (DISPUTED, CREDITED):
        return False
    return not (line.credit and line.credit_reference_id in credited)


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return to_cent(total)


def statement_totals(lines: Sequence[LineAmounts]) -> dict[str, StatementTotal]:
    credited = frozenset(x.cdr_id for x in lines if x.state == CREDITED)
    totals = {}
    for currency in sorted({x.currency for x in lines}):
        mine = [x for x in lines if x.currency == currency]
        still_open = [x for x in mine if is_open(x, credited)]
        totals[currency] = StatementTotal(
            currency=currency,
            lines=len(mine),
            energy_kwh=sum((x.energy_kwh for x in mine), Decimal(0)),
            excl_vat=to_cent(sum((x.excl_vat for x in mine), Decimal(0))),
            incl_vat=_sum(x.incl_vat for x in mine),
            open_excl_vat=to_cent(sum((x.excl_vat for x in still_open), Decimal(0))),
            open_incl_vat=_sum(x.incl_vat for x in still_open),
        )
    return totals


def state_counts(lines: Iterable[LineAmounts]) -> dict[str, int]:
    """How many CDRs are in each state, every state named (zero included)."""
    counted = Counter(x.state for x in lines)
    return {state: counted[state] for state in STATES}
