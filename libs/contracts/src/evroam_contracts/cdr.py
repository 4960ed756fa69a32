"""Events of the CDR service. An issued CDR never changes; corrections are credit CDRs.

One stream per session (`cdr-<session_id>`): a CDR is issued, or held for review with its
reasons and then released (issued) or rejected; a correction of the session issues a credit
CDR for the CDR in force and then a new CDR (or holds the new one for review)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from evroam_contracts.base import Event
from evroam_contracts.shared import (
    AuthMethod,
    CdrToken,
    ChargingPeriod,
    CostBreakdown,
    Price,
    SignedData,
    Value,
)

P = "cdr"


class CdrLocation(Value):
    id: str
    name: str | None = None
    address: str
    city: str
    postal_code: str | None = None
    country: str
    coordinates: dict[str, str]
    evse_uid: str
    evse_id: str
    connector_id: str
    connector_standard: str
    connector_format: str
    connector_power_type: str


class Cdr(Value):
    """The OCPI 2.2.1 CDR object (money as decimals)."""

    country_code: str
    party_id: str
    id: str = Field(max_length=39)
    start_date_time: datetime
    end_date_time: datetime
    session_id: str | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: str | None = None
    cdr_location: CdrLocation
    meter_id: str | None = None
    currency: str
    tariffs: tuple[dict[str, Any], ...] = ()
    charging_periods: tuple[ChargingPeriod, ...]
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Decimal
    total_energy_cost: Price | None = None
    total_time: Decimal
    total_time_cost: Price | None = None
    total_parking_time: Decimal | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: str | None = None
    invoice_reference_id: str | None = None
    credit: bool | None = None
    credit_reference_id: str | None = None
    last_updated: datetime


class CdrIssued(Event):
    """A CDR as sent to the eMSP: a normal one, or a credit CDR (`cdr.credit`) cancelling an
    earlier one of the same session."""

    type_name: ClassVar[str] = "cdr.issued"
    producer: ClassVar[str] = P
    cdr: Cdr
    time_zone: str
    # Optional since the CDR review issue: the session revision the CDR was built from (0 for
    # the session as first completed, n for its n-th correction).
    session_revision: int = 0


class ReviewReason(Value):
    """Why a CDR was held: a stable `code` (what a reviewer may accept) and the evidence."""

    code: str
    message: str


class SessionFacts(Value):
    """What the session said beside the CDR, kept with a held CDR so that a correction by a
    reviewer is checked against the same evidence (meter start/stop, the session's cost)."""

    meter_start_wh: int
    meter_stop_wh: int
    costs: CostBreakdown
    warnings: tuple[str, ...] = ()


class CdrHeld(Event):
    """A CDR failed reconciliation and waits for a person: it is not sent to anyone until it
    is released. A later hold of the same session replaces this one."""

    type_name: ClassVar[str] = "cdr.held"
    producer: ClassVar[str] = P
    cdr: Cdr
    time_zone: str
    reasons: tuple[ReviewReason, ...]
    facts: SessionFacts
    session_revision: int = 0
    # The CDR in force that this one corrects: it is credited only when this one is released
    # (a rejected correction leaves it in force).
    replaces: str | None = None
    held_at: datetime


class CdrReleased(Event):
    """A reviewer released a held CDR, possibly corrected (`corrected` names the fields they
    changed) and accepting some reasons as they are; the CDR is issued right after."""

    type_name: ClassVar[str] = "cdr.released"
    producer: ClassVar[str] = P
    cdr_id: str
    reviewer: str
    note: str | None = None
    accepted: tuple[str, ...] = ()
    corrected: tuple[str, ...] = ()
    released_at: datetime


class CdrRejected(Event):
    """A reviewer decided a held CDR must not be issued (nothing is billed for it)."""

    type_name: ClassVar[str] = "cdr.rejected"
    producer: ClassVar[str] = P
    cdr_id: str
    reviewer: str
    reason: str
    rejected_at: datetime


EVENTS = (CdrIssued, CdrHeld, CdrReleased, CdrRejected)
