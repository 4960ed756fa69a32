"""The driver-invoice decider: pure `decide(command, account, now)`; the account is a contract's
stream folded (state.py). Time comes in; nothing depends on the clock or on I/O.

An issue needs the next number of its issuer's gapless sequence, which only the database can
give in the transaction of the append. So the decider returns a `Numbered` for it, which the
handler completes with that number; everything else it returns is a finished event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from evroam_billing.domain.documents import document_number, money_of, totals, vat_table
from evroam_billing.domain.errors import CdrAlreadyCreditedError, InvoiceNotFoundError
from evroam_billing.domain.lines import BilledCdr, bill, credit_note_line, invoice_line
from evroam_billing.domain.periods import issue_date, next_period
from evroam_billing.domain.state import Account, Invoice, monthly_invoice_id
from evroam_contracts.base import Event
from evroam_contracts.billing import (
    BillingMode,
    ContractBillingModeSet,
    CreditNoteIssued,
    InvoiceIssued,
    InvoiceOpened,
    InvoicingPeriodClosed,
)
from evroam_contracts.cdr import Cdr


@dataclass(frozen=True)
class BillCdr:
    """Put a CDR of one of our tokens on its contract's invoice. `closed_periods` are the
    billing months closed so far: a CDR of one of them goes on a later, open invoice."""

    cdr: Cdr
    time_zone: str
    closed_periods: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IssueInvoice:
    invoice_id: str


@dataclass(frozen=True)
class SetBillingMode:
    contract_id: str
    mode: BillingMode


@dataclass(frozen=True)
class ClosePeriod:
    period: str


Command = BillCdr | IssueInvoice | SetBillingMode


@dataclass(frozen=True)
class Numbered:
    """An issue waiting for its number: `make(number, sequence)` is the event, once the
    handler has taken `sequence` from the issuer's sequence for `year`."""

    issuer: str
    year: int
    make: Callable[[str, int], Event]

    def complete(self, sequence: int) -> Event:
        return self.make(document_number(self.issuer, self.year, sequence), sequence)


Decision = Event | Numbered


def decide(command: Command, account: Account, now: datetime) -> list[Decision]:
    match command:
        case BillCdr():
            return _bill(command, account, now)
        case IssueInvoice():
            invoice = account.invoices.get(command.invoice_id)
            if invoice is None:
                raise InvoiceNotFoundError(f"no invoice {command.invoice_id}")
            return [_issue(invoice, now)] if invoice.is_open else []
        case SetBillingMode():
            if command.mode == account.mode:
                return []
            return [
                ContractBillingModeSet(
                    contract_id=command.contract_id, mode=command.mode, set_at=now
                )
            ]


def decide_close(command: ClosePeriod, closed: bool, now: datetime) -> list[Event]:
    """Closing a period twice closes it once (the close of its invoices is idempotent too)."""
    return [] if closed else [InvoicingPeriodClosed(period=command.period, closed_at=now)]


def _bill(command: BillCdr, account: Account, now: datetime) -> list[Decision]:
    """Never bill a CDR twice: a CDR already on a document of the contract adds nothing."""
    billed = bill(command.cdr, command.time_zone)
    if billed.key in account.documents:
        return []
    credited = billed.credited_key
    if credited is None:
        return _charge(billed, account, command.closed_periods, now)
    if credited in account.credited:
        raise CdrAlreadyCreditedError(
            f"credit CDR {billed.cdr.id}: CDR {billed.cdr.credit_reference_id} was credited"
            f" already, by {account.credited[credited]}"
        )
    invoice = account.invoices.get(account.documents.get(credited, ""))
    if invoice is None:
        note = f"credits CDR {billed.cdr.credit_reference_id}, which is on no invoice of ours"
        return _charge(billed, account, command.closed_periods, now, note=note)
    if invoice.is_open:  # a negative line beside the line it cancels
        return [invoice_line(billed, invoice.invoice_id, invoice.opened.billing_period,
                             invoice.last_line_no + 1)]  # fmt: skip
    return [_credit_note(billed, invoice, account, now)]


def _charge(
    billed: BilledCdr,
    account: Account,
    closed: frozenset[str],
    now: datetime,
    note: str | None = None,
) -> list[Decision]:
    if account.mode == "per_session":
        return _per_session(billed, account, now, note)
    period = billed.period
    while period in closed or _issued(account.monthly(billed.contract_id, period)):
        period = next_period(period)
    if period != billed.period:
        note = "; ".join(n for n in (_late_note(billed, account), note) if n)
    invoice = account.monthly(billed.contract_id, period)
    events: list[Decision] = []
    if invoice is None:
        opened = _open(
            billed, monthly_invoice_id(billed.contract_id, period), period, "monthly", now
        )
        invoice = Invoice(opened)
        events.append(opened)
    events.append(
        invoice_line(billed, invoice.invoice_id, period, invoice.last_line_no + 1, note=note)
    )
    return events


def _issued(invoice: Invoice | None) -> bool:
    return invoice is not None and not invoice.is_open


def _late_note(billed: BilledCdr, account: Account) -> str:
    was = account.monthly(billed.contract_id, billed.period)
    if was is not None and was.issued is not None:
        number = was.issued.number
        return f"charged in {billed.period}, after invoice {number} of that month was issued"
    return f"charged in {billed.period}, after that month was closed"


def _per_session(
    billed: BilledCdr, account: Account, now: datetime, note: str | None
) -> list[Decision]:
    """One invoice per charging session, issued at once."""
    n = account.per_session_count(billed.period) + 1
    invoice_id = f"{monthly_invoice_id(billed.contract_id, billed.period)}-{n}"
    opened = _open(billed, invoice_id, billed.period, "per_session", now)
    line = invoice_line(billed, invoice_id, billed.period, 1, note=note)
    return [opened, line, _issue(Invoice(opened, (line,)), now)]


def _open(
    billed: BilledCdr, invoice_id: str, period: str, mode: BillingMode, now: datetime
) -> InvoiceOpened:
    return InvoiceOpened(
        invoice_id=invoice_id,
        contract_id=billed.contract_id,
        issuer=billed.issuer,
        billing_period=period,
        mode=mode,
        opened_at=now,
    )


def _issue(invoice: Invoice, now: datetime) -> Numbered:
    opened, lines = invoice.opened, money_of(invoice.lines)
    day = issue_date(now, opened.issuer)

    def make(number: str, sequence: int) -> Event:
        return InvoiceIssued(
            invoice_id=opened.invoice_id,
            contract_id=opened.contract_id,
            issuer=opened.issuer,
            billing_period=opened.billing_period,
            mode=opened.mode,
            number=number,
            sequence=sequence,
            issued_at=now,
            issue_date=day,
            last_line_no=invoice.last_line_no,
            totals=totals(lines),
            vat=vat_table(lines),
        )

    return Numbered(opened.issuer, day.year, make)


def _credit_note(billed: BilledCdr, invoice: Invoice, account: Account, now: datetime) -> Numbered:
    """The credited CDR is on an issued invoice, which never changes: a credit note of its own
    takes the money back, referencing that invoice."""
    assert invoice.issued is not None
    issued, day = invoice.issued, issue_date(now, invoice.opened.issuer)
    note_lines = (credit_note_line(billed, 1),)
    money = money_of(note_lines)

    def make(number: str, sequence: int) -> Event:
        return CreditNoteIssued(
            credit_note_id=f"CN-{billed.contract_id}-{account.credit_notes + 1}",
            contract_id=billed.contract_id,
            issuer=issued.issuer,
            number=number,
            sequence=sequence,
            issued_at=now,
            issue_date=day,
            invoice_id=issued.invoice_id,
            invoice_number=issued.number,
            billing_period=issued.billing_period,
            lines=note_lines,
            totals=totals(money),
            vat=vat_table(money),
        )

    return Numbered(issued.issuer, day.year, make)
