"""Publishing, assigning and retiring tariffs, given/when/then on the decider."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired
from evroam_tariff.domain import decider
from evroam_tariff.domain.decider import AssignmentScope, TariffEvent, TariffState

NOW = datetime(2026, 3, 1, tzinfo=UTC)
OCPI = {"id": "T1", "currency": "EUR", "type": "REGULAR", "elements": []}


def given(*events: TariffEvent) -> TariffState:
    return decider.fold("T1", list(events))


def published(version: int, tariff_type: str | None = "REGULAR") -> TariffPublished:
    return TariffPublished(
        tariff_id="T1",
        tariff_version=version,
        published_at=NOW,
        tariff={**OCPI, "type": tariff_type},
    )


def test_each_publication_is_a_new_immutable_version() -> None:
    [first] = decider.publish(given(), OCPI, NOW)
    [second] = decider.publish(given(published(1)), OCPI, NOW)
    assert isinstance(first, TariffPublished)
    assert isinstance(second, TariffPublished)
    assert (first.tariff_version, second.tariff_version) == (1, 2)
    assert second.tariff["last_updated"] == "2026-03-01T00:00:00Z"


def test_an_assignment_takes_the_latest_version_and_its_tariff_type() -> None:
    scope = AssignmentScope("L1", "E1", "1", ("DE", "ABC"))
    [event] = decider.assign(given(published(1), published(2, "AD_HOC_PAYMENT")), scope, None, NOW)
    assert isinstance(event, TariffAssigned)
    assert (event.tariff_version, event.tariff_type, event.evse_uid, event.emsp_party_id) == (
        2,
        "AD_HOC_PAYMENT",
        "E1",
        "ABC",
    )


def test_assigning_a_version_that_was_never_published_is_refused() -> None:
    with pytest.raises(decider.TariffVersionNotFoundError):
        decider.assign(given(published(1)), AssignmentScope("L1"), 3, NOW)


def test_a_connector_is_assigned_only_with_its_evse() -> None:
    with pytest.raises(decider.ConnectorWithoutEvseError):
        decider.assign(given(published(1)), AssignmentScope("L1", None, "1"), None, NOW)


def test_a_retired_tariff_is_neither_republished_nor_assigned_and_retires_once() -> None:
    [retired] = decider.retire(given(published(1)), NOW)
    assert isinstance(retired, TariffRetired)
    state = given(published(1), retired)
    with pytest.raises(decider.TariffRetiredError):
        decider.publish(state, OCPI, NOW)
    with pytest.raises(decider.TariffRetiredError):
        decider.assign(state, AssignmentScope("L1"), None, NOW)
    assert decider.retire(state, NOW) == []
