"""Events of the billing service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from evroam_contracts.base import Event
from evroam_contracts.shared import Price, Value

P = "billing"

# A contract's driver invoices: one per billing month (issued when the period is closed), or
# one per charging session (issued at once).
BillingMode = Literal["monthly", "per_session"]


class VatPart(Value):
    """The part of a line's amount at one VAT rate (percent), as the CDR states it: the VAT is
    `incl_vat` - `excl_vat`. `rate` and `incl_vat` are None when the CDR has no amount incl.
    VAT (OCPI: VAT unknown)."""

    rate: Decimal | None = None
    excl_vat: Decimal
    incl_vat: Decimal | None = None


class LineLocation(Value):
    """Where the charging took place: the CDR's cdr_location, frozen at session start."""

    id: str
    name: str | None = None
    address: str
    city: str
    postal_code: str | None = None
    country: str
    evse_id: str | None = None


class DocumentTotal(Value):
    """The totals of an invoice or credit note in one currency; `vat` and `incl_vat` are None
    as soon as one line's amount incl. VAT is unknown."""

    currency: str
    lines: int
    energy_kwh: Decimal
    excl_vat: Decimal
    vat: Decimal | None = None
    incl_vat: Decimal | None = None


class VatSubtotal(Value):
    """A row of a document's VAT table: its lines' amounts at one rate of one country (the
    country where the charging took place), in one currency."""

    currency: str
    country: str | None = None
    rate: Decimal | None = None
    excl_vat: Decimal
    vat: Decimal | None = None
    incl_vat: Decimal | None = None


class InvoiceLineAdded(Event):
    """A CDR became a line of the driver's invoice for the contract and billing period (the
    invoice's period: a CDR of a period already issued goes on a later one, `cdr_period`)."""

    type_name: ClassVar[str] = "billing.invoice_line_added"
    producer: ClassVar[str] = P
    invoice_id: str
    contract_id: str
    billing_period: str
    line_no: int
    cdr_id: str
    session_id: str | None = None
    description: str
    energy_kwh: Decimal
    amount: Price
    currency: str
    charged_at: datetime
    # Optional since invoices and credit notes (ADR 0021). `issuer`: our party that issued the
    # token ("NL*EVR"); `cpo`: the CDR's owner ("BE*BEC"), with `cdr_id` the CDR's identity.
    issuer: str | None = None
    cpo: str | None = None
    started_at: datetime | None = None
    time_zone: str | None = None
    location: LineLocation | None = None
    # VAT of the country where the charging took place (ISO 3166-1 alpha-3): the line's rate
    # (None when mixed or unknown), its amount per rate, and why it differs from the country's
    # standard rate, if it does.
    country: str | None = None
    vat_rate: Decimal | None = None
    vat: tuple[VatPart, ...] = ()
    vat_note: str | None = None
    # The CDR's own billing period when it came after that period's invoice was issued.
    cdr_period: str | None = None
    credited_cdr_id: str | None = None
    note: str | None = None


# Reconciliation of one CDR on a settlement statement (we are the CPO): ISSUED when listed,
# SENT once its push was delivered, ACKNOWLEDGED or DISPUTED by the eMSP (recorded by an
# operator), CREDITED once a credit CDR cancels it.
StatementCdrState = Literal["ISSUED", "SENT", "ACKNOWLEDGED", "DISPUTED", "CREDITED"]


class StatementLineAdded(Event):
    """A CDR of an eMSP partner's token became a line, in state ISSUED, of the settlement
    statement we (the CPO) owe that eMSP for the period: the `YYYY-MM` of the CDR's end in
    the location's time zone. A credit CDR is a negative line (`credit`), on the statement of
    the CDR it cancels."""

    type_name: ClassVar[str] = "billing.statement_line_added"
    producer: ClassVar[str] = P
    statement_id: str
    emsp_country_code: str = Field(min_length=2, max_length=2)
    emsp_party_id: str = Field(min_length=3, max_length=3)
    period: str
    line_no: int
    cdr_id: str
    session_id: str | None = None
    contract_id: str
    start_date_time: datetime
    end_date_time: datetime
    location_id: str
    location_address: str
    energy_kwh: Decimal
    amount: Price
    currency: str
    credit: bool = False
    credit_reference_id: str | None = None
    # When the CDR was issued (its OCPI last_updated): a credit CDR cancels its CDR then.
    issued_at: datetime


class StatementCdrStateChanged(Event):
    """The reconciliation state of a CDR on a settlement statement changed: its push was
    delivered (SENT, `partner_id`), an operator recorded the eMSP's acknowledgement, dispute
    (`reason`) or the dispute's resolution, or a credit CDR cancelled it (CREDITED,
    `credit_cdr_id`). `changed_at` is when it happened (the push attempt, the operator's
    record, the credit CDR's issue)."""

    type_name: ClassVar[str] = "billing.statement_cdr_state_changed"
    producer: ClassVar[str] = P
    statement_id: str
    cdr_id: str
    previous_state: StatementCdrState
    state: StatementCdrState
    reason: str | None = None
    partner_id: str | None = None
    credit_cdr_id: str | None = None
    changed_at: datetime


class InvoiceOpened(Event):
    """A driver's invoice was opened for a contract: a monthly one collects the lines of its
    billing period until the period is closed; a per-session one holds one CDR and is issued
    at once."""

    type_name: ClassVar[str] = "billing.invoice_opened"
    producer: ClassVar[str] = P
    invoice_id: str
    contract_id: str
    issuer: str
    billing_period: str
    mode: BillingMode
    opened_at: datetime


class InvoiceIssued(Event):
    """An invoice was issued with its number, the next of its issuer's gapless sequence: it
    holds its lines up to `last_line_no` and never changes again. Totals and VAT table are
    those of those lines, as the document shows them."""

    type_name: ClassVar[str] = "billing.invoice_issued"
    producer: ClassVar[str] = P
    invoice_id: str
    contract_id: str
    issuer: str
    billing_period: str
    mode: BillingMode
    number: str
    sequence: int
    issued_at: datetime
    issue_date: date
    last_line_no: int
    totals: tuple[DocumentTotal, ...]
    vat: tuple[VatSubtotal, ...]


class CreditNoteLine(Value):
    """A line of a credit note: a credit CDR taking back a CDR of an issued invoice, with
    negative amounts."""

    line_no: int
    cdr_id: str
    cpo: str | None = None
    session_id: str | None = None
    credited_cdr_id: str
    description: str
    energy_kwh: Decimal
    amount: Price
    currency: str
    charged_at: datetime
    started_at: datetime | None = None
    time_zone: str | None = None
    location: LineLocation | None = None
    country: str | None = None
    vat_rate: Decimal | None = None
    vat: tuple[VatPart, ...] = ()
    vat_note: str | None = None


class CreditNoteIssued(Event):
    """A credit CDR cancelled a CDR that is on an issued invoice: a credit note, numbered from
    the same gapless sequence as the issuer's invoices, references that invoice."""

    type_name: ClassVar[str] = "billing.credit_note_issued"
    producer: ClassVar[str] = P
    credit_note_id: str
    contract_id: str
    issuer: str
    number: str
    sequence: int
    issued_at: datetime
    issue_date: date
    invoice_id: str
    invoice_number: str
    billing_period: str
    lines: tuple[CreditNoteLine, ...]
    totals: tuple[DocumentTotal, ...]
    vat: tuple[VatSubtotal, ...]


class ContractBillingModeSet(Event):
    """A contract is now invoiced monthly or per charging session, from its next CDR on."""

    type_name: ClassVar[str] = "billing.contract_billing_mode_set"
    producer: ClassVar[str] = P
    contract_id: str
    mode: BillingMode
    set_at: datetime


class InvoicingPeriodClosed(Event):
    """The billing month `period` was closed: its open invoices are issued, and a CDR of it
    that comes later goes on its contract's invoice of a later, open period."""

    type_name: ClassVar[str] = "billing.invoicing_period_closed"
    producer: ClassVar[str] = P
    period: str
    closed_at: datetime


EVENTS = (
    InvoiceLineAdded,
    StatementLineAdded,
    StatementCdrStateChanged,
    InvoiceOpened,
    InvoiceIssued,
    CreditNoteIssued,
    ContractBillingModeSet,
    InvoicingPeriodClosed,
)
