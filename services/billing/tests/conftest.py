"""Builders shared by the unit and integration tests of the billing service. CDRs are built
from the contracts alone: a service never imports another service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from evroam_contracts.cdr import Cdr

MakeCdr = Callable[..., Cdr]
CONTRACT = "DE8ACC12E46L89"


def _cdr(
    cdr_id: str = "CDR-1",
    *,
    end: str = "2026-03-10T10:00:00Z",
    total: str = "3.59",
    incl: str | None = "4.34",
    kwh: str = "12.345",
    contract_id: str = CONTRACT,
    currency: str = "EUR",
    **extra: Any,
) -> Cdr:
    ended = datetime.fromisoformat(end).astimezone(UTC)
    return Cdr.model_validate(
        {
            "country_code": "NL",
            "party_id": "EVR",
            "id": cdr_id,
            "start_date_time": ended - timedelta(hours=2),
            "end_date_time": ended,
            "session_id": f"S-{cdr_id}",
            "cdr_token": {
                "country_code": "DE",
                "party_id": "TNM",
                "uid": "012345678",
                "type": "RFID",
                "contract_id": contract_id,
            },
            "auth_method": "WHITELIST",
            "cdr_location": {
                "id": "LOC-AMS-1",
                "address": "Keizersgracht 1",
                "city": "Amsterdam",
                "country": "NLD",
                "coordinates": {"latitude": "52.378", "longitude": "4.889"},
                "evse_uid": "EVSE-1",
                "evse_id": "NL*EVR*E0001",
                "connector_id": "1",
                "connector_standard": "IEC_62196_T2",
                "connector_format": "SOCKET",
                "connector_power_type": "AC_3_PHASE",
            },
            "currency": currency,
            "charging_periods": [
                {
                    "start_date_time": ended - timedelta(hours=2),
                    "dimensions": [{"type": "ENERGY", "volume": kwh}],
                }
            ],
            "total_cost": {"excl_vat": total, **({"incl_vat": incl} if incl else {})},
            "total_energy": kwh,
            "total_time": "2",
            "last_updated": ended,
            **extra,
        }
    )


@pytest.fixture
def make_cdr() -> MakeCdr:
    """`make_cdr("CDR-2", end=..., total=..., credit=True, ...)`: a CDR of contract
    DE8ACC12E46L89 charged in Amsterdam, 12.345 kWh for 3.59 EUR (4.34 incl. VAT)."""
    return _cdr
