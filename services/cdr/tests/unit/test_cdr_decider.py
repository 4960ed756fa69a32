"""Given / when / then on the CDR decider: events in, events (or an error) out; no I/O."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from evroam_cdr.domain.cdr import CDR_NAMESPACE
from evroam_cdr.domain.decider import CdrState, IssueCdr, decide, fold
from evroam_cdr.domain.errors import (
    CdrChargingPeriodsError,
    CdrEndBeforeStartError,
    CdrTotalCostMismatchError,
    CdrUnknownCurrencyError,
)
from evroam_contracts import decode_payload
from evroam_contracts.cdr import CdrIssued
from evroam_contracts.session import SessionCompleted
from evroam_contracts.shared import CdrDimension, ChargingPeriod, CostBreakdown, TariffLock

Issue = Callable[..., list[CdrIssued]]
MakeCosts = Callable[..., CostBreakdown]
SESSION_SAMPLE = (
    Path(__file__).resolve().parents[4] / "libs/contracts/samples/session.completed.v1.json"
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def issue(make_session: Callable[..., SessionCompleted]) -> Issue:
    """`issue(*given, session_id=..., **changes)`: IssueCdr for the sample session (with the
    changes), given the CDR stream's events so far."""

    def when(*given: CdrIssued, session_id: str = "S-1", **changes: object) -> list[CdrIssued]:
        return decide(IssueCdr(make_session(session_id, **changes)), fold(given))

    return when


def test_a_completed_session_becomes_one_ocpi_cdr_owned_by_the_cpo(
    make_session: Callable[..., SessionCompleted],
) -> None:
    session = make_session()

    [event] = decide(IssueCdr(session), CdrState())

    cdr = event.cdr
    assert cdr.id == str(uuid.uuid5(CDR_NAMESPACE, "S-1"))
    assert (cdr.country_code, cdr.party_id) == ("NL", "EVR")
    assert (cdr.start_date_time, cdr.end_date_time) == (
        at("2026-03-10T08:00:00Z"),
        at("2026-03-10T10:00:00Z"),
    )
    assert cdr.session_id == "S-1"
    assert cdr.cdr_token == session.cdr_token
    assert (cdr.auth_method, cdr.authorization_reference) == ("AUTH_REQUEST", "AUTH-REF-1")
    assert cdr.currency == "EUR"
    assert session.tariff is not None
    assert cdr.tariffs == (session.tariff.tariff,)
    assert cdr.charging_periods == session.charging_periods
    assert cdr.total_cost == session.costs.total_cost
    assert cdr.total_fixed_cost == session.costs.total_fixed_cost
    assert cdr.total_energy_cost == session.costs.total_energy_cost
    assert cdr.total_time_cost is None
    assert (cdr.total_energy, cdr.total_time, cdr.total_parking_time) == (
        Decimal("12.345"),
        Decimal(2),
        Decimal("0.5"),
    )
    assert cdr.remark == "EVDisconnected"
    assert cdr.last_updated == session.ended_at
    assert cdr.credit is None
    assert event.time_zone == "Europe/Amsterdam"


def test_the_cdr_location_is_the_location_as_it_was_at_session_start(issue: Issue) -> None:
    [event] = issue()

    location = event.cdr.cdr_location
    assert (location.id, location.name, location.address, location.city) == (
        "LOC-AMS-1",
        "Keizersgracht garage",
        "Keizersgracht 1",
        "Amsterdam",
    )
    assert (location.postal_code, location.country) == ("1015 CJ", "NLD")
    assert location.coordinates == {"latitude": "52.378", "longitude": "4.889"}
    assert (location.evse_uid, location.evse_id, location.connector_id) == (
        "EVSE-1",
        "NL*EVR*E0001",
        "1",
    )
    assert (
        location.connector_standard,
        location.connector_format,
        location.connector_power_type,
    ) == ("IEC_62196_T2", "SOCKET", "AC_3_PHASE")


def test_a_replayed_session_gets_the_same_cdr_and_another_session_another_id(
    issue: Issue,
) -> None:
    first, again, other = issue(), issue(), issue(session_id="S-2")

    assert first == again
    assert other[0].cdr.id != first[0].cdr.id
    assert len(first[0].cdr.id) == 36  # a normal CDR id; 39 leaves room for credit suffixes


def test_a_duplicate_session_completed_creates_no_second_cdr(issue: Issue) -> None:
    issued = issue()

    assert issue(*issued) == []


def test_a_duplicate_is_not_checked_again_so_a_replay_is_never_dead_lettered(
    issue: Issue,
    make_costs: MakeCosts,
) -> None:
    issued = issue()

    assert issue(*issued, costs=make_costs("99.00")) == []


def test_a_total_cost_that_is_not_the_sum_of_its_parts_is_refused(
    issue: Issue,
    make_costs: MakeCosts,
) -> None:
    with pytest.raises(CdrTotalCostMismatchError, match=r"total_cost\.excl_vat 3\.99 EUR"):
        issue(costs=make_costs("3.99"))


def test_the_rounding_of_each_part_on_its_own_is_allowed_for(
    issue: Issue,
    make_costs: MakeCosts,
) -> None:
    # Three amounts rounded on their own (two parts and the total): up to 1.5 cents apart.
    assert issue(costs=make_costs("3.60"))
    with pytest.raises(CdrTotalCostMismatchError, match=r"rounding tolerance 0\.015"):
        issue(costs=make_costs("3.61"))


def test_a_total_clamped_to_the_tariff_min_price_is_not_a_mismatch(
    issue: Issue,
    make_costs: MakeCosts,
    make_session: Callable[..., SessionCompleted],
) -> None:
    lock = make_session().tariff
    assert lock is not None
    tariff = TariffLock(
        tariff_id="T-MIN",
        version=1,
        tariff={**lock.tariff, "min_price": {"excl_vat": 5.0, "incl_vat": 6.05}},
    )

    [event] = issue(tariff=tariff, costs=make_costs("5.00"))

    assert event.cdr.total_cost.excl_vat == Decimal("5.00")
    with pytest.raises(CdrTotalCostMismatchError, match="clamped to min/max_price"):
        issue(tariff=tariff, costs=make_costs("3.59"))


def test_a_total_without_any_breakdown_has_nothing_to_add_up(
    issue: Issue,
    make_costs: MakeCosts,
) -> None:
    [event] = issue(costs=make_costs("7.00", fixed=None, energy=None))

    assert event.cdr.total_cost.excl_vat == Decimal("7.00")
    assert event.cdr.total_energy_cost is None


def test_a_session_that_ends_before_it_starts_is_refused(issue: Issue) -> None:
    with pytest.raises(CdrEndBeforeStartError, match=r"end_date_time .* is before start"):
        issue(ended_at=at("2026-03-10T07:59:59Z"))


def test_a_session_without_charging_periods_is_refused(issue: Issue) -> None:
    with pytest.raises(CdrChargingPeriodsError, match="no charging periods"):
        issue(charging_periods=())


def test_sessions_only_dimensions_are_left_out_of_the_cdr(issue: Issue) -> None:
    period = ChargingPeriod(
        start_date_time=at("2026-03-10T08:00:00Z"),
        dimensions=(
            CdrDimension(type="ENERGY", volume=Decimal("12.345")),
            CdrDimension(type="POWER", volume=Decimal(11)),
            CdrDimension(type="STATE_OF_CHARGE", volume=Decimal(80)),
        ),
    )

    [event] = issue(charging_periods=(period,))

    assert [d.type for d in event.cdr.charging_periods[0].dimensions] == ["ENERGY"]
    only_power = period.model_copy(update={"dimensions": period.dimensions[1:]})
    with pytest.raises(CdrChargingPeriodsError, match="no dimension a CDR may carry"):
        issue(charging_periods=(only_power,))


def test_a_session_without_a_tariff_gives_a_cdr_without_tariffs(issue: Issue) -> None:
    [event] = issue(tariff=None)

    assert event.cdr.tariffs == ()


def test_a_currency_without_a_minor_unit_is_refused(issue: Issue) -> None:
    with pytest.raises(CdrUnknownCurrencyError, match="XXX"):
        issue(currency="XXX")


def test_a_long_stop_reason_is_cut_to_the_ocpi_remark_length(issue: Issue) -> None:
    [event] = issue(stop_reason="x" * 300)

    assert event.cdr.remark == "x" * 255


def test_the_session_services_golden_sample_becomes_a_cdr() -> None:
    sample = SessionCompleted.model_validate(json.loads(SESSION_SAMPLE.read_text()))

    [event] = decide(IssueCdr(sample), CdrState())

    assert event.cdr.total_cost.excl_vat == Decimal("2.63")
    assert event.cdr.total_energy == Decimal("7.5")


def test_the_issued_event_survives_the_wire(issue: Issue) -> None:
    [event] = issue()

    assert decode_payload(event.type_name, event.version, event.to_json_dict()) == event
