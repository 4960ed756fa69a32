"""Session events as the session service publishes them, for tests of their consumers: a
session at a Gent location, started, updated and completed (OCPI 2.2.1 example figures)."""

from __future__ import annotations

from decimal import Decimal

from evroam_contracts.session import SessionCompleted, SessionStarted, SessionUpdated
from evroam_contracts.shared import (
    CdrDimension,
    CdrToken,
    ChargingPeriod,
    CostBreakdown,
    GeoLocation,
    LocationSnapshot,
    Price,
)

WHERE = LocationSnapshot(
    id="LOC1",
    address="F.Rooseveltlaan 3A",
    city="Gent",
    country="BEL",
    coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
    time_zone="Europe/Brussels",
    country_code="BE",
    party_id="BEC",
    evse_uid="3256",
    evse_id="BE*BEC*E3256",
    connector_id="1",
    connector_standard="IEC_62196_T2",
    connector_format="CABLE",
    connector_power_type="AC_3_PHASE",
)
PERIOD = ChargingPeriod(
    start_date_time="2024-05-01T10:00:00Z",
    dimensions=(CdrDimension(type="ENERGY", volume=Decimal("12.345")),),
    tariff_id="12",
)


def token(owner: tuple[str, str]) -> CdrToken:
    return CdrToken(
        country_code=owner[0], party_id=owner[1], uid="123abc", type="RFID", contract_id="C-1"
    )


def started(session_id: str, owner: tuple[str, str] = ("DE", "TNM")) -> SessionStarted:
    return SessionStarted(
        session_id=session_id,
        station_id="CS1",
        transaction_id="T1",
        started_at="2024-05-01T10:00:00Z",
        meter_start_wh=1000,
        location=WHERE,
        cdr_token=token(owner),
        auth_method="WHITELIST",
        currency="EUR",
    )


def updated(session_id: str) -> SessionUpdated:
    return SessionUpdated(
        session_id=session_id,
        kwh=Decimal("12.345"),
        charging_periods=(PERIOD,),
        costs=CostBreakdown(total_cost=Price(excl_vat=Decimal("4.00"), incl_vat=Decimal("4.84"))),
        updated_at="2024-05-01T10:30:00Z",
        started_at="2024-05-01T10:00:00Z",
    )


def completed(session_id: str, owner: tuple[str, str] = ("DE", "TNM")) -> SessionCompleted:
    return SessionCompleted(
        **started(session_id, owner).model_dump(exclude={"opened_by", "offline"}),
        ended_at="2024-05-01T11:00:00Z",
        meter_stop_wh=13345,
        kwh=Decimal("12.345"),
        charging_periods=(PERIOD,),
        costs=CostBreakdown(total_cost=Price(excl_vat=Decimal("4.50"), incl_vat=Decimal("5.45"))),
        total_time_h=Decimal(1),
    )
