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


OUR_CONTRACT = "NL-EVR-C12345678-X"


def _driver_cdr(
    cdr_id: str = "CDR-1",
    *,
    contract_id: str = OUR_CONTRACT,
    country: str = "NLD",
    city: str = "Amsterdam",
    address: str = "Keizersgracht 1",
    location_name: str | None = "Keizersgracht",
    cpo: tuple[str, str] = ("NL", "EVR"),
    **extra: Any,
) -> Cdr:
    """A CDR of one of our own drivers (token NL*EVR): invoiced by us."""
    location = {
        "id": f"LOC-{city.upper()[:3]}-1",
        "name": location_name,
        "address": address,
        "city": city,
        "country": country,
        "coordinates": {"latitude": "52.378", "longitude": "4.889"},
        "evse_uid": "EVSE-1",
        "evse_id": f"{cpo[0]}*{cpo[1]}*E0001",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "SOCKET",
        "connector_power_type": "AC_3_PHASE",
    }
    token = {
        "country_code": "NL",
        "party_id": "EVR",
        "uid": "04A2B3C4D5",
        "type": "RFID",
        "contract_id": contract_id,
    }
    return _cdr(
        cdr_id,
        cdr_token=token,
        cdr_location={k: v for k, v in location.items() if v is not None},
        country_code=cpo[0],
        party_id=cpo[1],
        **extra,
    )


@pytest.fixture
def driver_cdr() -> MakeCdr:
    """`driver_cdr("CDR-2", country="BEL", end=..., total=..., incl=...)`: a CDR of our own
    driver's token (NL*EVR, contract NL-EVR-C12345678-X), charged at a CPO (NL*EVR by
    default), 12.345 kWh for 3.59 EUR (4.34 incl. VAT, 21 %)."""
    return _driver_cdr
