"""One error per CDR rule a completed session can break. Each says which check failed, because
its message is the reason the event is dead-lettered with (a review queue comes later)."""

from __future__ import annotations


class CdrCheckError(ValueError):
    """A completed session that must not become a CDR as it is."""


class CdrTotalCostMismatchError(CdrCheckError):
    """OCPI 2.2.1 CDR rules: total_cost is the sum of the present cost components (after
    rounding and min/max clamping); this one is not."""


class CdrEndBeforeStartError(CdrCheckError):
    """end_date_time lies before start_date_time."""


class CdrChargingPeriodsError(CdrCheckError):
    """OCPI 2.2.1 CDR: charging_periods has cardinality +, and each period needs at least one
    dimension a CDR may carry (Sessions-only dimensions are dropped)."""


class CdrUnknownCurrencyError(CdrCheckError):
    """The session's currency has no ISO 4217 minor unit, so its rounding cannot be checked."""
