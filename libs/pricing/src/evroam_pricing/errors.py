"""One error class per broken rule; all of them are `PricingError`s.

Tariff errors are raised when a tariff is built (from OCPI JSON or by hand), usage errors when
a session's measurements cannot describe a real session. The engine never returns a price for
input that broke a rule.
"""

from __future__ import annotations


class PricingError(ValueError):
    """Base class: the input breaks a rule of OCPI 2.2.1 or of this library."""


# --- tariffs ---------------------------------------------------------------------------------


class MalformedTariffError(PricingError):
    """The OCPI JSON does not have the shape of a Tariff (missing field, wrong type, bad format)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownCurrencyError(PricingError):
    """The currency is not an active ISO 4217 code with a minor unit."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"unknown ISO 4217 currency: {currency!r}")
        self.currency = currency


class NegativePriceError(PricingError):
    """A price component, `min_price` or `max_price` is below zero."""


class NegativeVatError(PricingError):
    """A VAT percentage is below zero."""


class InvalidStepSizeError(PricingError):
    """A `step_size` is negative, or zero for a dimension that is billed in steps."""


class InconsistentRestrictionError(PricingError):
    """A restriction can never be satisfied (e.g. `min_kwh` >= `max_kwh`) or is negative."""


class InconsistentPriceLimitsError(PricingError):
    """`min_price` is above `max_price`."""


class ReservationComponentError(PricingError):
    """A reservation element has a component other than FLAT or TIME."""


class TariffNotInForceError(PricingError):
    """The session starts outside the tariff's `start_date_time`..`end_date_time` window."""


# --- usage -----------------------------------------------------------------------------------


class NaiveDatetimeError(PricingError):
    """A datetime has no time zone; every instant must be aware (UTC)."""


class UnknownTimeZoneError(PricingError):
    """The location's time zone is not an IANA zone name."""


class InvalidSessionSpanError(PricingError):
    """The session (or reservation) ends before it starts."""


class SampleOrderError(PricingError):
    """Meter samples are not strictly increasing in time or fall outside the session."""


class MeterRollbackError(PricingError):
    """The cumulative energy register decreases (or starts below `meter_start_wh`)."""


class InvalidParkingIntervalError(PricingError):
    """A parking interval is empty, reversed, outside the session, or overlaps another."""


class ReservationMismatchError(PricingError):
    """A reservation followed by a session must end exactly when the session starts."""


# --- CDRs ------------------------------------------------------------------------------------


class ChargingPeriodsError(PricingError):
    """A CDR's charging periods cannot be re-priced: none, out of order, outside the session,
    a negative volume, a period of another tariff, or reservation time (not supported)."""
