"""What a completed session must satisfy before it becomes a CDR (OCPI 2.2.1 CDR rules).
A session that fails is not billed: its event goes to the dead-letter topic with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from evroam_cdr.domain.cdr import SESSION_ONLY_DIMENSIONS
from evroam_cdr.domain.errors import (
    CdrChargingPeriodsError,
    CdrEndBeforeStartError,
    CdrTotalCostMismatchError,
    CdrUnknownCurrencyError,
)
from evroam_contracts.session import SessionCompleted
from evroam_contracts.shared import CostBreakdown, TariffLock
from evroam_pricing.currency import minor_unit
from evroam_pricing.errors import UnknownCurrencyError

COMPONENTS = (
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


def check_session(session: SessionCompleted) -> None:
    """Raise the error of the first rule the session breaks."""
    if session.ended_at < session.started_at:
        raise CdrEndBeforeStartError(
            f"session {session.session_id}: end_date_time {session.ended_at.isoformat()}"
            f" is before start_date_time {session.started_at.isoformat()}"
        )
    check_charging_periods(session)
    check_total_cost(session.costs, session.currency, session.tariff)


def check_charging_periods(session: SessionCompleted) -> None:
    if not session.charging_periods:
        raise CdrChargingPeriodsError(f"session {session.session_id}: no charging periods")
    for period in session.charging_periods:
        if all(d.type in SESSION_ONLY_DIMENSIONS for d in period.dimensions):
            raise CdrChargingPeriodsError(
                f"session {session.session_id}: the charging period starting"
                f" {period.start_date_time.isoformat()} has no dimension a CDR may carry"
            )


def check_total_cost(costs: CostBreakdown, currency: str, tariff: TariffLock | None) -> None:
    """total_cost.excl_vat = Σ present components, clamped to the tariff's min/max_price.

    The session rounds each component and the total on its own to the currency's minor unit
    (ROUND_HALF_UP), so they may disagree by half a minor unit per rounded amount. With no
    component present there is nothing to compare (the breakdown is optional in OCPI).
    """
    present = {n: p.excl_vat for n in COMPONENTS if (p := getattr(costs, n)) is not None}
    if not present:
        return
    parts = sum(present.values(), Decimal(0))
    expected = _clamp(parts, tariff)
    tolerance = _half_minor_unit(currency) * (len(present) + 1)
    total = costs.total_cost.excl_vat
    if abs(total - expected) > tolerance:
        clamped = f", clamped to min/max_price: {expected}" if expected != parts else ""
        raise CdrTotalCostMismatchError(
            f"total_cost.excl_vat {total} {currency} is not the sum of the present components"
            f" ({' + '.join(present)} = {parts}{clamped}; rounding tolerance {tolerance})"
        )


def _clamp(amount: Decimal, tariff: TariffLock | None) -> Decimal:
    """OCPI 2.2.1 Tariffs: min_price / max_price bound the session total, not the parts."""
    if tariff is None:
        return amount
    low, high = _bound(tariff.tariff, "min_price"), _bound(tariff.tariff, "max_price")
    if low is not None:
        amount = max(amount, low)
    if high is not None:
        amount = min(amount, high)
    return amount


def _bound(tariff: Mapping[str, Any], name: str) -> Decimal | None:
    price = tariff.get(name)
    if not isinstance(price, Mapping) or price.get("excl_vat") is None:
        return None
    # str() first: OCPI JSON numbers may have been parsed as floats.
    return Decimal(str(price["excl_vat"]))


def _half_minor_unit(currency: str) -> Decimal:
    try:
        return Decimal(1).scaleb(-minor_unit(currency)) / 2
    except UnknownCurrencyError as exc:
        raise CdrUnknownCurrencyError(str(exc)) from exc
