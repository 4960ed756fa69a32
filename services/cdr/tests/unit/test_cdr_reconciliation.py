"""Every reconciliation failure holds the CDR for review with its reason (code and evidence),
and nothing is issued. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cdr.domain.checks import Known, Policy
from evroam_cdr.domain.decider import CdrEvent
from evroam_contracts.cdr import CdrHeld, CdrIssued
from evroam_contracts.session import SessionCompleted
from evroam_contracts.shared import CdrDimension, ChargingPeriod, CostBreakdown

NOW = datetime(2026, 3, 10, 10, 5, tzinfo=UTC)  # the sample session ended at 10:00
Decide = Callable[..., list[CdrEvent]]

MakeSession = Callable[..., SessionCompleted]
MakeCosts = Callable[..., CostBreakdown]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def period(start: str, **volumes: str) -> ChargingPeriod:
    return ChargingPeriod(
        start_date_time=at(start),
        tariff_id="T-ENERGY",
        dimensions=tuple(CdrDimension(type=t, volume=Decimal(v)) for t, v in volumes.items()),
    )


def held(events: list[Any]) -> CdrHeld:
    [event] = events
    assert isinstance(event, CdrHeld), f"expected the CDR held for review, got {event}"
    return event


CASES: dict[str, dict[str, Any]] = {
    # The meter went 1000 -> 2000 Wh but 12.345 kWh are billed (a reset, a wrong register).
    "ENERGY_METER_MISMATCH": {"meter_stop_wh": 2000},
    "ENERGY_PERIODS_MISMATCH": {"kwh": Decimal("13.345")},
    "TOTAL_TIME_MISMATCH": {"total_time_h": Decimal(3)},
    "PARKING_PERIODS_MISMATCH": {"total_parking_time_h": Decimal("0.25")},
    "END_BEFORE_START": {"ended_at": at("2026-03-10T07:00:00Z")},
    "END_IN_FUTURE": {"ended_at": NOW + timedelta(hours=1)},
    "TIME_UNKNOWN": {"started_at": at("1970-01-01T00:00:00Z")},
    "NO_CHARGING_PERIODS": {"charging_periods": ()},
    "PERIOD_WITHOUT_DIMENSION": {
        "charging_periods": (
            period("2026-03-10T08:00:00Z", ENERGY="12.345", TIME="1.5"),
            period("2026-03-10T09:30:00Z", POWER="0"),
        )
    },
    "PERIODS_OUT_OF_ORDER": {
        "charging_periods": (
            period("2026-03-10T09:30:00Z", PARKING_TIME="0.5"),
            period("2026-03-10T08:00:00Z", ENERGY="12.345", TIME="1.5"),
        )
    },
    "PERIOD_OUTSIDE_SESSION": {
        "charging_periods": (
            period("2026-03-10T07:00:00Z", ENERGY="12.345", TIME="1.5"),
            period("2026-03-10T09:30:00Z", PARKING_TIME="0.5"),
        )
    },
    "UNKNOWN_CURRENCY": {"currency": "XXX"},
}


@pytest.mark.parametrize("code", CASES, ids=str.lower)
def test_a_cdr_that_fails_a_check_is_held_with_that_reason(code: str, issue: Decide) -> None:
    review = held(issue(**CASES[code]))

    assert code in {r.code for r in review.reasons}, review.reasons
    assert all(r.message for r in review.reasons)


def test_the_energy_tolerance_is_stated_and_applied(issue: Decide) -> None:
    # 12.345 kWh billed; the meter says 12.355 kWh: 10 Wh off is within the default tolerance.
    assert isinstance(issue(meter_stop_wh=13355)[0], CdrIssued)
    review = held(issue(meter_stop_wh=13445))  # 100 Wh off: more than 0.5 % of 12.445 kWh
    [reason] = review.reasons
    assert reason.code == "ENERGY_METER_MISMATCH"
    assert "1000 to 13445 Wh" in reason.message
    assert "tolerance 62.225 Wh" in reason.message
    strict = Policy(energy_tolerance_wh=1, energy_tolerance_percent=Decimal(0))
    assert held(issue(meter_stop_wh=13355, policy=strict)).reasons[0].code == (
        "ENERGY_METER_MISMATCH"
    )


def test_a_total_that_is_not_what_the_session_charged_is_held_with_both_amounts(
    issue: Decide, make_costs: MakeCosts
) -> None:
    review = held(issue(costs=make_costs("3.99")))

    [reason] = review.reasons
    assert reason.code == "COST_SESSION_MISMATCH"
    assert "total_cost 3.99 excl." in reason.message
    assert "(CDR: 3.59 excl. / 4.34 incl. VAT)" in reason.message
    assert review.cdr.total_cost.excl_vat == Decimal("3.59")  # priced from its own periods


def test_periods_that_cannot_be_priced_are_held_as_not_reproducible(issue: Decide) -> None:
    review = held(issue(started_at=at("2026-03-10T08:30:00Z")))  # the first period is before

    codes = {r.code for r in review.reasons}
    assert {"COST_NOT_REPRODUCIBLE", "PERIOD_OUTSIDE_SESSION"} <= codes


@pytest.mark.parametrize(
    ("known", "code"),
    [
        (Known(session=False), "SESSION_UNKNOWN"),
        (Known(location=False), "LOCATION_UNKNOWN"),
        (Known(token=False), "TOKEN_UNKNOWN"),
    ],
    ids=["session", "location", "token"],
)
def test_a_cdr_whose_session_location_or_token_is_unknown_is_held(
    known: Known, code: str, issue: Decide
) -> None:
    [reason] = held(issue(known=known)).reasons

    assert reason.code == code


def test_the_sessions_warnings_hold_its_cdr_unless_the_policy_says_otherwise(
    issue: Decide,
) -> None:
    warning = "the station's clock was off by 3600 s; times corrected"

    [reason] = held(issue(warnings=(warning,))).reasons

    assert (reason.code, reason.message) == ("SESSION_WARNING", warning)
    relaxed = Policy(hold_on_warnings=False)
    assert isinstance(issue(warnings=(warning,), policy=relaxed)[0], CdrIssued)


def test_every_failure_is_listed_at_once(issue: Decide, make_costs: MakeCosts) -> None:
    review = held(issue(meter_stop_wh=2000, costs=make_costs("3.99"), known=Known(token=False)))

    assert [r.code for r in review.reasons] == [
        "TOKEN_UNKNOWN",
        "ENERGY_METER_MISMATCH",
        "COST_SESSION_MISMATCH",
    ]
    assert review.facts.meter_stop_wh == 2000
    assert review.replaces is None
