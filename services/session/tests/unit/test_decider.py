"""The session decider, given/when/then: events in, events out, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from evroam_contracts.gateway import (
    AuthorizationSnapshot,
    MeterValuesSampled,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.session import (
    SessionCompleted,
    SessionInvalidated,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import GeoLocation, LocationSnapshot, MeterSample, TariffLock
from evroam_session.domain import decider
from evroam_session.domain.state import SessionEvent, SessionState, evolve

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SID = "01a1fc6b-0000-7000-8000-000000000001"
TARIFF = TariffLock(
    tariff_id="T1",
    version=3,
    tariff={
        "country_code": "NL",
        "party_id": "EVR",
        "id": "T1",
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.30, "vat": 21, "step_size": 1}]}
        ],
        "last_updated": "2026-01-01T00:00:00Z",
    },
)
LOCATION = LocationSnapshot(
    id="L1",
    address="Stationsplein 1",
    city="Amsterdam",
    country="NLD",
    coordinates=GeoLocation(latitude="52.37", longitude="4.89"),
    time_zone="Europe/Amsterdam",
    country_code="NL",
    party_id="EVR",
    evse_uid="E1",
    evse_id="NL*EVR*E1",
    connector_id="1",
    connector_standard="IEC_62196_T2",
    connector_format="SOCKET",
    connector_power_type="AC_3_PHASE",
)


def started(status: str = "ACCEPTED") -> TransactionStarted:
    return TransactionStarted(
        charging_session_id=SID,
        station_id="CS1",
        transaction_id="7",
        ocpp_connector_id=1,
        id_tag="TAG",
        meter_start_wh=1000,
        started_at=T0,
        received_at=T0,
        location=LOCATION,
        authorization=AuthorizationSnapshot(
            status=status,
            authorization_reference="ref-1",
            decided_by="authorization",
            token_country_code="DE",
            token_party_id="ABC",
            token_uid="TAG",
            contract_id="DE-ABC-C1",
        ),
    )


def samples(*pairs: tuple[int, int]) -> MeterValuesSampled:
    return MeterValuesSampled(
        charging_session_id=SID,
        station_id="CS1",
        transaction_id="7",
        received_at=T0,
        samples=tuple(MeterSample(at=T0 + timedelta(minutes=m), energy_wh=wh) for m, wh in pairs),
    )


def given(*events: SessionEvent) -> SessionState:
    state = SessionState(SID)
    for e in events:
        state = evolve(state, e)
    return state


def test_an_accepted_transaction_starts_a_session_with_the_tariff_locked() -> None:
    [event] = decider.start(given(), started(), TARIFF, "EUR")
    assert isinstance(event, SessionStarted)
    assert (event.tariff, event.currency, event.cdr_token.contract_id) == (
        TARIFF,
        "EUR",
        "DE-ABC-C1",
    )


def test_a_refused_authorization_makes_the_session_invalid_with_the_reason() -> None:
    [event] = decider.start(given(), started("BLOCKED"), TARIFF, "EUR")
    assert isinstance(event, SessionInvalidated)
    assert "BLOCKED" in event.reason


def test_a_transaction_start_delivered_twice_starts_one_session() -> None:
    [first] = decider.start(given(), started(), TARIFF, "EUR")
    assert decider.start(given(first), started(), TARIFF, "EUR") == []


def test_meter_values_update_energy_and_running_cost() -> None:
    [start] = decider.start(given(), started(), TARIFF, "EUR")
    [update] = decider.add_samples(given(start), samples((10, 3000), (20, 6000)))
    assert isinstance(update, SessionUpdated)
    assert update.kwh == Decimal("5")
    assert update.costs is not None
    assert update.costs.total_cost.excl_vat == Decimal("1.50")
    assert update.costs.total_cost.incl_vat == Decimal("1.82")  # 1.815 rounds half up


def test_samples_already_folded_are_not_counted_again() -> None:
    [start] = decider.start(given(), started(), TARIFF, "EUR")
    [update] = decider.add_samples(given(start), samples((10, 3000)))
    assert decider.add_samples(given(start, update), samples((10, 3000))) == []


def test_the_end_prices_the_whole_session_with_the_meter_stop_reading() -> None:
    [start] = decider.start(given(), started(), TARIFF, "EUR")
    [update] = decider.add_samples(given(start), samples((10, 3000)))
    end = TransactionEnded(
        charging_session_id=SID,
        station_id="CS1",
        transaction_id="7",
        meter_stop_wh=11_000,
        ended_at=T0 + timedelta(minutes=30),
        received_at=T0 + timedelta(minutes=30),
        reason="EVDisconnected",
    )
    *_, done = decider.complete(given(start, update), end)
    assert isinstance(done, SessionCompleted)
    assert done.kwh == Decimal("10")
    assert done.costs.total_cost.excl_vat == Decimal("3.00")
    assert done.total_time_h == Decimal("0.5")
    assert done.stop_reason == "EVDisconnected"


def test_meter_values_for_a_session_no_start_opened_are_refused() -> None:
    with pytest.raises(decider.SessionNotOpenedError):
        decider.add_samples(given(), samples((10, 3000)))
