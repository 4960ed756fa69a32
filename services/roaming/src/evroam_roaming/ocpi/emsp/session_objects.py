"""Session objects (OCPI 2.2.1 section 3.2) as partner CPOs PUT and PATCH them to our Sessions
Receiver."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from evroam_roaming.ocpi.types import (
    AuthMethod,
    CdrToken,
    ChargingPeriod,
    CiString2,
    CiString3,
    CiString36,
    Currency,
    DateTime,
    Number,
    OcpiObject,
    Price,
    String,
)

SessionStatus = Literal["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]


class Session(OcpiObject):
    country_code: CiString2
    party_id: CiString3
    id: CiString36
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: Number
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36  # `#NA` for a reservation without an EVSE (section 1.3)
    connector_id: CiString36
    meter_id: Annotated[String, Field(max_length=255)] | None = None
    currency: Currency
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: DateTime
