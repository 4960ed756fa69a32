"""One error per rule a reviewer's command can break; the HTTP API maps each to a status."""

from __future__ import annotations

from evroam_contracts.cdr import ReviewReason


class NotHeldError(LookupError):
    """The CDR is not waiting for review (never held, already released or rejected, or
    superseded by a correction of its session)."""


class CorrectionError(ValueError):
    """A correction that names a field a reviewer may not change, or makes the CDR invalid."""


class ReviewStillFailingError(ValueError):
    """The CDR, corrected as asked, still breaks rules the reviewer did not accept."""

    def __init__(self, reasons: tuple[ReviewReason, ...]) -> None:
        self.reasons = reasons
        codes = ", ".join(r.code for r in reasons)
        super().__init__(f"still failing: {codes} (correct them, or accept them by code)")
