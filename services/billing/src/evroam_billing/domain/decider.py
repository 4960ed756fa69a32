"""A CDR becomes a line of the driver's invoice for its contract and billing month. Pure: the
CDR and its location's time zone come in; nothing depends on the clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evroam_billing.domain.errors import UnknownTimeZoneError
from evroam_contracts.billing import InvoiceLineAdded
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import Price

KWH_SHOWN = Decimal("0.001")


@dataclass(frozen=True)
class AddInvoiceLine:
    cdr: Cdr
    time_zone: str


@dataclass(frozen=True)
class InvoiceRef:
    invoice_id: str
    contract_id: str
    billing_period: str


@dataclass(frozen=True)
class InvoiceState:
    """One invoice: the CDRs already on it and its last line number."""

    cdr_ids: frozenset[str] = frozenset()
    last_line_no: int = 0


def billing_period(at: datetime, time_zone: str) -> str:
    """`YYYY-MM` of `at` in the location's time zone: the driver's month is a local month."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZoneError(f"unknown time zone {time_zone!r}") from exc
    return at.astimezone(zone).strftime("%Y-%m")


def invoice_of(command: AddInvoiceLine) -> InvoiceRef:
    contract_id = command.cdr.cdr_token.contract_id
    period = billing_period(command.cdr.end_date_time, command.time_zone)
    # Deterministic until gapless invoice numbers come (a later issue).
    return InvoiceRef(f"INV-{contract_id}-{period}", contract_id, period)


def decide(command: AddInvoiceLine, state: InvoiceState) -> list[InvoiceLineAdded]:
    """Never bill a CDR twice: a CDR already on the invoice adds nothing."""
    cdr = command.cdr
    if cdr.id in state.cdr_ids:
        return []
    ref = invoice_of(command)
    energy, amount = _signed(cdr)
    return [
        InvoiceLineAdded(
            invoice_id=ref.invoice_id,
            contract_id=ref.contract_id,
            billing_period=ref.billing_period,
            line_no=state.last_line_no + 1,
            cdr_id=cdr.id,
            session_id=cdr.session_id,
            description=_description(cdr, energy),
            energy_kwh=energy,
            amount=amount,
            currency=cdr.currency,
            charged_at=cdr.end_date_time,
        )
    ]


def _signed(cdr: Cdr) -> tuple[Decimal, Price]:
    """OCPI 2.2.1 CDRs: credit. A credit CDR repeats the original's data with total_cost
    negated; its line takes back both the money and the energy, whatever sign it was sent with."""
    if not cdr.credit:
        return cdr.total_energy, cdr.total_cost
    total = cdr.total_cost
    return -abs(cdr.total_energy), Price(
        excl_vat=-abs(total.excl_vat),
        incl_vat=None if total.incl_vat is None else -abs(total.incl_vat),
    )


def _description(cdr: Cdr, energy: Decimal) -> str:
    where = f"{cdr.cdr_location.address}, {cdr.cdr_location.city}"
    kwh = energy.quantize(KWH_SHOWN, rounding=ROUND_HALF_UP)
    text = f"Charging at {where}: {kwh} kWh"
    if cdr.credit:
        return f"Credit of CDR {cdr.credit_reference_id}: {text}"
    return text


def evolve(state: InvoiceState, event: InvoiceLineAdded) -> InvoiceState:
    return InvoiceState(state.cdr_ids | {event.cdr_id}, max(state.last_line_no, event.line_no))


def fold(events: Iterable[InvoiceLineAdded]) -> InvoiceState:
    state = InvoiceState()
    for event in events:
        state = evolve(state, event)
    return state
