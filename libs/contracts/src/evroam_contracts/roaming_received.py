"""Events of the roaming (OCPI) service as the eMSP: the objects partner CPOs send us, or we
pull from them (OCPI 2.2.1 sections 3.1-3.4, Receiver interfaces). Part of the roaming
service's contracts (`evroam_contracts.roaming.EVENTS` lists them too)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field

from evroam_contracts.base import Event
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import AuthMethod, CdrToken, ChargingPeriod, Price, Value

P = "roaming"


class LocationReceived(Event):
    """A partner CPO pushed (PUT or PATCH), or we pulled, a Location or a part of it
    (section 3.1). `location` is the whole OCPI Location after the change, EVSEs and
    connectors included, as validated at our edge (numbers as strings, as every decimal on
    our wire); `evse_uid`/`connector_id` name the EVSE or connector the change was sent to."""

    type_name: ClassVar[str] = "roaming.location_received"
    producer: ClassVar[str] = P
    partner_id: str
    location: dict[str, Any] = Field(description="the OCPI 2.2.1 Location after the change")
    evse_uid: str | None = None
    connector_id: str | None = None
    received_at: datetime


PartnerSessionStatus = Literal["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]


class PartnerSession(Value):
    """The OCPI 2.2.1 Session object (section 3.2) of a partner CPO (money and energy as
    decimals)."""

    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    id: str = Field(max_length=36)
    start_date_time: datetime
    end_date_time: datetime | None = None
    kwh: Decimal
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: str | None = None
    location_id: str
    evse_uid: str
    connector_id: str
    meter_id: str | None = None
    currency: str = Field(min_length=3, max_length=3)
    charging_periods: tuple[ChargingPeriod, ...] = ()
    total_cost: Price | None = None
    status: PartnerSessionStatus
    last_updated: datetime


class SessionReceived(Event):
    """A partner CPO pushed (PUT or PATCH), or we pulled, a session of one of our drivers'
    tokens (section 3.2); `session` is the whole session after the change."""

    type_name: ClassVar[str] = "roaming.session_received"
    producer: ClassVar[str] = P
    partner_id: str
    session: PartnerSession
    received_at: datetime


class CdrReceived(Event):
    """A partner CPO posted, or we pulled, a CDR of one of our drivers' sessions (section
    3.3). A CDR never changes: a correction arrives as a credit CDR (`cdr.credit`) and a new
    CDR, each its own event. Billing invoices the driver from it as from `cdr.issued`."""

    type_name: ClassVar[str] = "roaming.cdr_received"
    producer: ClassVar[str] = P
    partner_id: str
    cdr: Cdr
    received_at: datetime
    # OCPI's CdrLocation has no time zone: the one of the Location the partner sent us with
    # that id, when it did (billing's month is local time; optional since it was added).
    time_zone: str | None = None


class TariffReceived(Event):
    """A partner CPO pushed (PUT), or we pulled, a tariff (section 3.4), whole."""

    type_name: ClassVar[str] = "roaming.tariff_received"
    producer: ClassVar[str] = P
    partner_id: str
    tariff: dict[str, Any] = Field(description="the OCPI 2.2.1 Tariff object")
    received_at: datetime


class TariffDeleted(Event):
    """A partner CPO deleted a tariff it no longer uses (section 3.4, DELETE)."""

    type_name: ClassVar[str] = "roaming.tariff_deleted"
    producer: ClassVar[str] = P
    partner_id: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    tariff_id: str = Field(max_length=36)
    deleted_at: datetime


EVENTS = (LocationReceived, SessionReceived, CdrReceived, TariffReceived, TariffDeleted)
