"""Which tariff version applies: most specific first, then latest, never ambiguous."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evroam_pricing.assignment import Assignment, SessionScope, emsp_of_contract, resolve

T0 = datetime(2026, 3, 1, tzinfo=UTC)
AT = datetime(2026, 3, 10, tzinfo=UTC)
SCOPE = SessionScope("L1", evse_uid="E1", connector_id="1", emsp=("DE", "ABC"))


def assign(tariff: str, seq: int, at: datetime = T0, **scope: object) -> Assignment:
    return Assignment(tariff, 1, at, "L1", seq, **scope)  # type: ignore[arg-type]


def test_the_location_wide_tariff_applies_when_nothing_narrower_exists() -> None:
    assert resolve([assign("LOC", 1)], {}, SCOPE, AT) == assign("LOC", 1)


@pytest.mark.parametrize(
    ("narrow", "kwargs"),
    [
        ("CONNECTOR", {"evse_uid": "E1", "connector_id": "1"}),
        ("EVSE", {"evse_uid": "E1"}),
        ("EMSP", {"emsp": ("DE", "ABC")}),
        ("TYPE", {"tariff_type": "REGULAR"}),
    ],
)
def test_a_narrower_assignment_wins_over_the_location_wide_one(
    narrow: str, kwargs: dict[str, object]
) -> None:
    chosen = resolve([assign("LOC", 1), assign(narrow, 0, **kwargs)], {}, SCOPE, AT)
    assert chosen is not None
    assert chosen.tariff_id == narrow


def test_an_assignment_for_another_evse_party_or_type_does_not_apply() -> None:
    others = [
        assign("OTHER-EVSE", 2, evse_uid="E2"),
        assign("OTHER-EMSP", 3, emsp=("NL", "XYZ")),
        assign("AD-HOC", 4, tariff_type="AD_HOC_PAYMENT"),
    ]
    chosen = resolve([assign("LOC", 1), *others], {}, SCOPE, AT)
    assert chosen is not None
    assert chosen.tariff_id == "LOC"


def test_the_latest_effective_of_equally_specific_assignments_wins_and_the_future_waits() -> None:
    old = assign("OLD", 5, T0)
    new = assign("NEW", 1, datetime(2026, 3, 5, tzinfo=UTC))
    future = assign("FUTURE", 9, datetime(2026, 4, 1, tzinfo=UTC))
    chosen = resolve([old, new, future], {}, SCOPE, AT)
    assert chosen is not None
    assert chosen.tariff_id == "NEW"


def test_two_assignments_of_the_same_scope_and_moment_resolve_to_the_later_recorded() -> None:
    chosen = resolve([assign("FIRST", 1), assign("SECOND", 2)], {}, SCOPE, AT)
    assert chosen is not None
    assert chosen.tariff_id == "SECOND"


def test_a_retired_tariff_no_longer_applies_from_its_retirement_on() -> None:
    retired = {"NEW": datetime(2026, 3, 8, tzinfo=UTC)}
    both = [assign("OLD", 1), assign("NEW", 2, datetime(2026, 3, 5, tzinfo=UTC))]
    before = resolve(both, retired, SCOPE, datetime(2026, 3, 7, tzinfo=UTC))
    after = resolve(both, retired, SCOPE, AT)
    assert (before and before.tariff_id, after and after.tariff_id) == ("NEW", "OLD")


def test_no_assignment_means_no_tariff() -> None:
    assert resolve([], {}, SCOPE, AT) is None


@pytest.mark.parametrize(
    ("contract", "party"),
    [("DE-ABC-C12345678-X", ("DE", "ABC")), ("nlevrc0000001x", ("NL", "EVR")), ("X", None)],
)
def test_the_emsp_party_is_read_from_an_emi3_contract_id(
    contract: str, party: tuple[str, str] | None
) -> None:
    assert emsp_of_contract(contract) == party
