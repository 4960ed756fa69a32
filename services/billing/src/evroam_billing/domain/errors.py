"""One error per billing rule a CDR or a command can break."""

from __future__ import annotations


class UnknownTimeZoneError(ValueError):
    """The CDR's location time zone is not an IANA zone (or, for a partner's CDR, its country
    has no zone we know), so its billing month is unknown."""


class CreditWithoutReferenceError(ValueError):
    """A credit CDR must name the CDR it credits (OCPI 2.2.1 CDRs: credit_reference_id)."""


class CdrAlreadyCreditedError(ValueError):
    """A second credit CDR for a CDR already credited would take the money back twice."""


class InvoiceNotFoundError(LookupError):
    """No invoice with this id on the contract."""


class InvalidPeriodError(ValueError):
    """A billing period is a month, `YYYY-MM`."""


class PeriodNotEndedError(ValueError):
    """A billing period can be closed only once it is over."""
