"""One error per settlement-statement rule. Lookups are LookupErrors (HTTP 404 at the edge),
refused transitions are TransitionRefusedErrors (HTTP 409)."""

from __future__ import annotations


class InvalidPartyError(ValueError):
    """Not an OCPI party (a 2-letter country code and a 3-character party id)."""


class StatementNotFoundError(LookupError):
    """No CDR was ever listed on this statement."""


class CdrNotOnStatementError(LookupError):
    """The CDR is not a line of this statement."""


class TransitionRefusedError(ValueError):
    """The CDR's reconciliation state does not allow what was asked."""


class CdrCreditedError(TransitionRefusedError):
    """A credit CDR cancelled this CDR: there is nothing left to acknowledge or dispute."""


class CdrAlreadyDisputedError(TransitionRefusedError):
    """The CDR is under dispute already: resolve that dispute first."""


class CdrUnderDisputeError(TransitionRefusedError):
    """A disputed CDR is acknowledged by resolving its dispute, not by a plain acknowledgement."""


class CdrNotDisputedError(TransitionRefusedError):
    """Only a disputed CDR has a dispute to resolve."""
