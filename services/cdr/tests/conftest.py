"""Builders shared by the unit and integration tests of the CDR service: a two-hour session in
Amsterdam, priced with a start fee and an energy price (VAT 21 %), whose costs add up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from evroam_cdr.domain import decider
from evroam_cdr.domain.checks import Known, Policy
from evroam_cdr.domain.decider import CdrEvent, IssueCdr
from evroam_contracts.session import SessionCompleted
from evroam_contracts.shared import CostBreakdown, Price

MakeCosts = Callable[..., CostBreakdown]
MakeSession = Callable[..., SessionCompleted]

TARIFF: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "EVR",
    "id": "T-ENERGY",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [
                {"type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1},
                {"type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1},
            ]
        }
    ],
    "last_updated": "2026-01-01T00:00:00Z",
}


def _price(excl: str, incl: str | None = None) -> Price:
    """A price with 21 % VAT; by default the incl. VAT amount of the rounded excl. one."""
    amount = Decimal(excl)
    vat = (amount * Decimal("1.21")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Price(excl_vat=amount, incl_vat=Decimal(incl) if incl else vat)


def _costs(
    total: str = "3.59",
    *,
    fixed: str | None = "0.50",
    energy: str | None = "3.09",
    time: str | None = None,
) -> CostBreakdown:
    """The engine's figures by default: 12.345 kWh at 0.25 is 3.08625 excl. and 3.7343625
    incl. VAT, so the energy part is 3.09 / 3.73 and the total 3.58625 is 3.59 / 4.34."""
    return CostBreakdown(
        total_cost=_price(total),
        total_fixed_cost=_price(fixed) if fixed else None,
        total_energy_cost=_price(energy, "3.73" if energy == "3.09" else None) if energy else None,
        total_time_cost=_price(time) if time else None,
    )


def _session(session_id: str = "S-1", **changes: Any) -> SessionCompleted:
    session = SessionCompleted.model_validate(
        {
            "session_id": session_id,
            "station_id": "CS-AMS-1",
            "transaction_id": "42",
            "started_at": "2026-03-10T08:00:00Z",
            "ended_at": "2026-03-10T10:00:00Z",
            "meter_start_wh": 1000,
            "meter_stop_wh": 13345,
            "kwh": "12.345",
            "location": {
                "id": "LOC-AMS-1",
                "name": "Keizersgracht garage",
                "address": "Keizersgracht 1",
                "city": "Amsterdam",
                "postal_code": "1015 CJ",
                "country": "NLD",
                "coordinates": {"latitude": "52.378", "longitude": "4.889"},
                "time_zone": "Europe/Amsterdam",
                "country_code": "NL",
                "party_id": "EVR",
                "evse_uid": "EVSE-1",
                "evse_id": "NL*EVR*E0001",
                "connector_id": "1",
                "connector_standard": "IEC_62196_T2",
                "connector_format": "SOCKET",
                "connector_power_type": "AC_3_PHASE",
            },
            "cdr_token": {
                "country_code": "DE",
                "party_id": "TNM",
                "uid": "012345678",
                "type": "RFID",
                "contract_id": "DE8ACC12E46L89",
            },
            "auth_method": "AUTH_REQUEST",
            "authorization_reference": "AUTH-REF-1",
            "tariff": {"tariff_id": "T-ENERGY", "version": 3, "tariff": TARIFF},
            "currency": "EUR",
            "charging_periods": [
                {
                    "start_date_time": "2026-03-10T08:00:00Z",
                    "tariff_id": "T-ENERGY",
                    "dimensions": [
                        {"type": "ENERGY", "volume": "12.345"},
                        {"type": "TIME", "volume": "1.5"},
                    ],
                },
                {
                    "start_date_time": "2026-03-10T09:30:00Z",
                    "tariff_id": "T-ENERGY",
                    "dimensions": [{"type": "PARKING_TIME", "volume": "0.5"}],
                },
            ],
            "costs": _costs().model_dump(mode="json"),
            "total_time_h": "2",
            "total_parking_time_h": "0.5",
            "stop_reason": "EVDisconnected",
        }
    )
    return session.model_copy(update=changes) if changes else session


@pytest.fixture
def make_costs() -> MakeCosts:
    """`make_costs("3.99")`: the sample's breakdown (0.50 fixed + 3.09 energy) with that total."""
    return _costs


@pytest.fixture
def make_session() -> MakeSession:
    """`make_session("S-2", ended_at=...)`: the sample session with another id and changes."""
    return _session


NOW = datetime(2026, 3, 10, 10, 5, tzinfo=UTC)  # keep equal to the unit tests' NOW
Decide = Callable[..., list[CdrEvent]]


@pytest.fixture
def issue(make_session: MakeSession) -> Decide:
    """`issue(*given, session=None, known=Known(), policy=Policy(), session_id=..., **changes)`:
    the CDR decision on the sample session (with the changes), given the stream so far."""

    def when(
        *given: CdrEvent,
        session: SessionCompleted | None = None,
        known: Known | None = None,
        policy: Policy | None = None,
        now: datetime = NOW,
        session_id: str = "S-1",
        **changes: Any,
    ) -> list[CdrEvent]:
        command = IssueCdr(
            session or make_session(session_id, **changes),
            known or Known(),
            policy or Policy(),
            now,
        )
        return decider.issue(command, decider.fold(given))

    return when
