"""Reconciliation of a CDR before it is issued (OCPI 2.2.1 CDR rules). Each rule a CDR breaks
is a `ReviewReason` with a stable code, so the CDR is held for review with all of them at
once and a reviewer can accept a reason by its code. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from evroam_cdr.domain.cdr import COST_FIELDS, SESSION_ONLY_DIMENSIONS, costs_of
from evroam_cdr.domain.pricing import Repriced
from evroam_contracts.cdr import Cdr, ReviewReason, SessionFacts
from evroam_contracts.shared import CostBreakdown, Price
from evroam_pricing.currency import minor_unit
from evroam_pricing.errors import UnknownCurrencyError

HOUR = Decimal(3600)
# Period volumes are exact decimals, so their sums match the totals but for the last digit of
# each; these bounds leave that and nothing a person would notice.
PERIOD_ENERGY_TOLERANCE_KWH = Decimal("0.001")
PERIOD_TIME_TOLERANCE_H = Decimal(1) / HOUR
# A station clock may be a little ahead even after correction; more than this is not a
# session that has ended.
FUTURE_SKEW = timedelta(minutes=5)
PLACEHOLDER_YEAR = 1970  # OCPI 2.2.1 CDR rules: 1970-01-01T00:00:00Z stands for "unknown"


@dataclass(frozen=True)
class Known:
    """Whether evroam has seen the session start, the location and the token of the CDR."""

    session: bool = True
    location: bool = True
    token: bool = True

    @property
    def all(self) -> bool:
        return self.session and self.location and self.token

    @property
    def missing(self) -> str:
        return ", ".join(n for n in ("session", "location", "token") if not getattr(self, n))


@dataclass(frozen=True)
class Policy:
    """How much the metered energy may differ from the CDR's (the larger bound applies), and
    whether a session's own warnings (meter reset, clock off, reconstructed start, closed by
    evroam) hold its CDR for review."""

    energy_tolerance_wh: int = 10
    energy_tolerance_percent: Decimal = Decimal("0.5")
    hold_on_warnings: bool = True


def reconcile(
    cdr: Cdr,
    repriced: Repriced,
    facts: SessionFacts,
    known: Known,
    policy: Policy,
    now: datetime,
) -> tuple[ReviewReason, ...]:
    """Every reason not to issue the CDR as it is; empty when it may be issued."""
    return tuple(
        [
            *_references(cdr, known),
            *_times(cdr, now),
            *_periods(cdr),
            *_energy(cdr, facts, policy),
            *_costs(cdr, repriced, facts.costs),
            *_warnings(facts, policy),
        ]
    )


def _reason(code: str, message: str) -> ReviewReason:
    return ReviewReason(code=code, message=message)


def _references(cdr: Cdr, known: Known) -> Iterator[ReviewReason]:
    if not known.session:
        yield _reason("SESSION_UNKNOWN", f"session {cdr.session_id} was never seen starting")
    if not known.location:
        yield _reason("LOCATION_UNKNOWN", f"location {cdr.cdr_location.id} is not registered")
    if not known.token:
        t = cdr.cdr_token
        yield _reason(
            "TOKEN_UNKNOWN",
            f"token {t.country_code}*{t.party_id} {t.uid} was never registered or authorized",
        )


def _times(cdr: Cdr, now: datetime) -> Iterator[ReviewReason]:
    start, end = cdr.start_date_time, cdr.end_date_time
    if end < start:
        yield _reason(
            "END_BEFORE_START", f"end_date_time {end.isoformat()} is before {start.isoformat()}"
        )
    if PLACEHOLDER_YEAR in (start.year, end.year):
        yield _reason("TIME_UNKNOWN", "start or end is the 1970 placeholder for an unknown time")
    if end > now + FUTURE_SKEW:
        yield _reason("END_IN_FUTURE", f"end_date_time {end.isoformat()} has not come yet")
    span_h = Decimal(int((end - start).total_seconds())) / HOUR
    if abs(cdr.total_time - span_h) > PERIOD_TIME_TOLERANCE_H:
        yield _reason(
            "TOTAL_TIME_MISMATCH",
            f"total_time {cdr.total_time} h is not the session's span {span_h:.4f} h",
        )
    starts = [p.start_date_time for p in cdr.charging_periods]
    if any(b <= a for a, b in pairwise(starts)):
        yield _reason("PERIODS_OUT_OF_ORDER", "charging periods do not start in time order")
    outside = [s for s in starts if s < start or (s >= end and s != start)]
    if outside:
        yield _reason(
            "PERIOD_OUTSIDE_SESSION",
            f"a charging period starts at {outside[0].isoformat()}, outside the session",
        )


def _volume(cdr: Cdr, *types: str) -> Decimal:
    return sum(
        (d.volume for p in cdr.charging_periods for d in p.dimensions if d.type in types),
        Decimal(0),
    )


def _periods(cdr: Cdr) -> Iterator[ReviewReason]:
    if not cdr.charging_periods:
        yield _reason("NO_CHARGING_PERIODS", "a CDR needs at least one charging period")
        return
    for p in cdr.charging_periods:
        if all(d.type in SESSION_ONLY_DIMENSIONS for d in p.dimensions):
            yield _reason(
                "PERIOD_WITHOUT_DIMENSION",
                f"the period starting {p.start_date_time.isoformat()} has no CDR dimension",
            )
    energy = _volume(cdr, "ENERGY")
    if abs(cdr.total_energy - energy) > PERIOD_ENERGY_TOLERANCE_KWH:
        yield _reason(
            "ENERGY_PERIODS_MISMATCH",
            f"total_energy {cdr.total_energy} kWh is not the periods' sum {energy} kWh",
        )
    times = _volume(cdr, "TIME", "PARKING_TIME")
    if abs(cdr.total_time - times) > PERIOD_TIME_TOLERANCE_H:
        yield _reason(
            "TIME_PERIODS_MISMATCH",
            f"total_time {cdr.total_time} h is not the periods' TIME + PARKING_TIME {times} h",
        )
    parking = _volume(cdr, "PARKING_TIME")
    if abs((cdr.total_parking_time or Decimal(0)) - parking) > PERIOD_TIME_TOLERANCE_H:
        yield _reason(
            "PARKING_PERIODS_MISMATCH",
            f"total_parking_time {cdr.total_parking_time} h is not the periods' {parking} h",
        )


def _energy(cdr: Cdr, facts: SessionFacts, policy: Policy) -> Iterator[ReviewReason]:
    """The meter's start and stop against the energy billed (a reset, a wrong register)."""
    metered_wh = facts.meter_stop_wh - facts.meter_start_wh
    billed_wh = cdr.total_energy * 1000
    tolerance = max(
        Decimal(policy.energy_tolerance_wh),
        abs(Decimal(metered_wh)) * policy.energy_tolerance_percent / 100,
    )
    if abs(billed_wh - metered_wh) > tolerance:
        yield _reason(
            "ENERGY_METER_MISMATCH",
            f"total_energy {cdr.total_energy} kWh, but the meter went from"
            f" {facts.meter_start_wh} to {facts.meter_stop_wh} Wh ({metered_wh} Wh;"
            f" tolerance {tolerance} Wh)",
        )


def _costs(cdr: Cdr, repriced: Repriced, session: CostBreakdown) -> Iterator[ReviewReason]:
    try:
        minor_unit(cdr.currency)
    except UnknownCurrencyError:
        yield _reason("UNKNOWN_CURRENCY", f"{cdr.currency} is not an ISO 4217 currency")
        return
    ours = costs_of(cdr)
    if repriced.costs is None:
        yield _reason("COST_NOT_REPRODUCIBLE", f"the periods cannot be priced: {repriced.error}")
    elif (diff := _differences(ours, repriced.costs)) is not None:
        yield _reason(
            "COST_NOT_REPRODUCIBLE",
            f"the periods priced with the CDR's tariff come to {diff}",
        )
    if (diff := _differences(ours, session)) is not None:
        yield _reason("COST_SESSION_MISMATCH", f"the session's final running cost is {diff}")


def _differences(ours: CostBreakdown, theirs: CostBreakdown) -> str | None:
    """None when every amount is equal to the cent, else what differs, readably."""
    found = [
        f"{name} {_show(getattr(theirs, name))} (CDR: {_show(getattr(ours, name))})"
        for name in COST_FIELDS
        if getattr(ours, name) != getattr(theirs, name)
    ]
    return "; ".join(found) if found else None


def _show(price: Price | None) -> str:
    return "none" if price is None else f"{price.excl_vat} excl. / {price.incl_vat} incl. VAT"


def _warnings(facts: SessionFacts, policy: Policy) -> Iterator[ReviewReason]:
    if policy.hold_on_warnings:
        for warning in facts.warnings:
            yield _reason("SESSION_WARNING", warning)
