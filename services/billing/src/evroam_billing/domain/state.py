"""A contract's billing account, folded from its stream (`contract-<contract_id>`): how it is
invoiced, its invoices with their lines, and which document every billed CDR is on.

One stream per contract keeps every rule that spans invoices consistent under one expected
version: a CDR is billed once whatever invoice it lands on, a line never goes on an issued
invoice, and a credit CDR finds the invoice of the CDR it cancels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from evroam_billing.domain.lines import cdr_key
from evroam_contracts.base import Message
from evroam_contracts.billing import (
    BillingMode,
    ContractBillingModeSet,
    CreditNoteIssued,
    InvoiceIssued,
    InvoiceLineAdded,
    InvoiceOpened,
)


@dataclass(frozen=True)
class Invoice:
    opened: InvoiceOpened
    lines: tuple[InvoiceLineAdded, ...] = ()
    issued: InvoiceIssued | None = None

    @property
    def invoice_id(self) -> str:
        return self.opened.invoice_id

    @property
    def is_open(self) -> bool:
        return self.issued is None

    @property
    def last_line_no(self) -> int:
        return max((line.line_no for line in self.lines), default=0)


@dataclass(frozen=True)
class Account:
    mode: BillingMode = "monthly"
    invoices: Mapping[str, Invoice] = field(default_factory=dict)
    # CDR key -> the invoice or credit note it is on (credit CDRs included)
    documents: Mapping[str, str] = field(default_factory=dict)
    # key of a credited CDR -> key of the credit CDR that cancelled it
    credited: Mapping[str, str] = field(default_factory=dict)
    credit_notes: int = 0

    def monthly(self, contract_id: str, period: str) -> Invoice | None:
        return self.invoices.get(monthly_invoice_id(contract_id, period))

    def per_session_count(self, period: str) -> int:
        return sum(
            1
            for i in self.invoices.values()
            if i.opened.mode == "per_session" and i.opened.billing_period == period
        )


def monthly_invoice_id(contract_id: str, period: str) -> str:
    return f"INV-{contract_id}-{period}"


def evolve(account: Account, event: Message) -> Account:
    match event:
        case ContractBillingModeSet():
            return replace(account, mode=event.mode)
        case InvoiceOpened():
            return replace(account, invoices={**account.invoices, event.invoice_id: Invoice(event)})
        case InvoiceLineAdded():
            return _line_added(account, event)
        case InvoiceIssued():
            invoice = replace(account.invoices[event.invoice_id], issued=event)
            return replace(account, invoices={**account.invoices, event.invoice_id: invoice})
        case CreditNoteIssued():
            return _credit_note_issued(account, event)
    return account


def _line_added(account: Account, line: InvoiceLineAdded) -> Account:
    # A line of the time before invoice_opened existed: its invoice is implied by the line.
    invoice = account.invoices.get(line.invoice_id) or Invoice(_implied_opening(line))
    key = cdr_key(line.cpo, line.cdr_id)
    credited = dict(account.credited)
    if line.credited_cdr_id:
        credited[cdr_key(line.cpo, line.credited_cdr_id)] = key
    return replace(
        account,
        invoices={
            **account.invoices,
            line.invoice_id: replace(invoice, lines=(*invoice.lines, line)),
        },
        documents={**account.documents, key: line.invoice_id},
        credited=credited,
    )


def _implied_opening(line: InvoiceLineAdded) -> InvoiceOpened:
    return InvoiceOpened(
        invoice_id=line.invoice_id,
        contract_id=line.contract_id,
        issuer=line.issuer or "",
        billing_period=line.billing_period,
        mode="monthly",
        opened_at=line.charged_at,
    )


def _credit_note_issued(account: Account, note: CreditNoteIssued) -> Account:
    documents, credited = dict(account.documents), dict(account.credited)
    for line in note.lines:
        key = cdr_key(line.cpo, line.cdr_id)
        documents[key] = note.credit_note_id
        credited[cdr_key(line.cpo, line.credited_cdr_id)] = key
    return replace(
        account,
        documents=documents,
        credited=credited,
        credit_notes=account.credit_notes + 1,
    )


def fold(events: Iterable[Message]) -> Account:
    account = Account()
    for event in events:
        account = evolve(account, event)
    return account
