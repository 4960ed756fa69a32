"""Events of the billing service."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from evroam_contracts.base import Event
from evroam_contracts.shared import Price

P = "billing"


class InvoiceLineAdded(Event):
    """A CDR became a line of the driver's invoice for the contract and billing period."""

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


EVENTS = (InvoiceLineAdded,)
