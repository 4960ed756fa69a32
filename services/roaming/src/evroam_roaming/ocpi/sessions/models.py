"""Sessions as the Sender interface serves them (OCPI 2.2.1 section 3.2): the session
service's events folded into one OCPI Session per charging session. Pure.

The events of one session share its stream and arrive in order. SessionStarted,
SessionCompleted and SessionCorrected carry the whole session; SessionUpdated carries the
figures so far (kwh, charging periods, cost) of an ACTIVE session; SessionPending and
SessionInvalidated carry a status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from evroam_contracts.session import (
    SessionCompleted,
    SessionInvalidated,
    SessionPending,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import AuthMethod, CdrToken, ChargingPeriod, LocationSnapshot, Price
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.pagination import PageRequest

SessionEvent = (
    SessionPending | SessionStarted | SessionUpdated | SessionCompleted | SessionInvalidated
)
SessionStatus = Literal["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]


class OcpiSession(BaseModel):
    """The OCPI Session object. A PENDING session has no token yet (the driver has not
    identified), hence no `cdr_token`, `auth_method` or `currency`: it belongs to no eMSP
    and is served to none until it does."""

    model_config = ConfigDict(frozen=True)
    country_code: str
    party_id: str
    id: str
    start_date_time: datetime
    end_date_time: datetime | None = None
    kwh: Decimal
    cdr_token: CdrToken | None = None
    auth_method: AuthMethod | None = None
    authorization_reference: str | None = None
    location_id: str
    evse_uid: str
    connector_id: str
    currency: str | None = None
    charging_periods: tuple[ChargingPeriod, ...] = ()
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: datetime

    @property
    def token_owner(self) -> Party | None:
        token = self.cdr_token
        return None if token is None else Party.of(token.country_code, token.party_id)


def _where(location: LocationSnapshot) -> dict[str, Any]:
    """The CPO that owns the location owns the session (section 3.2: country_code, party_id)."""
    return {
        "country_code": location.country_code,
        "party_id": location.party_id,
        "location_id": location.id,
        "evse_uid": location.evse_uid,
        "connector_id": location.connector_id,
    }


def _fold(current: OcpiSession | None, event: SessionEvent, at: datetime) -> OcpiSession | None:
    """The session after `event`, `last_updated` not yet settled (it is `at` when new)."""
    if isinstance(event, SessionCompleted):  # SessionCorrected too: the whole session again
        return _completed(event, at)
    if isinstance(event, SessionStarted):
        if current is not None and current.status == "COMPLETED":
            return current  # a completed session changes only by SessionCorrected
        return _started(current, event, at)
    if isinstance(event, SessionPending):
        if current is not None and current.status != "PENDING":
            return current
        return OcpiSession(
            **_where(event.location),
            id=event.session_id,
            start_date_time=event.started_at,
            kwh=Decimal(0),
            status="PENDING",
            last_updated=at,
        )
    if current is None:
        return None  # figures or an end of a session we never saw open: nothing to show
    if isinstance(event, SessionUpdated):
        return _updated(current, event)
    return current.model_copy(
        update={"status": "INVALID", "end_date_time": event.ended_at or current.end_date_time}
    )


def _completed(event: SessionCompleted, at: datetime) -> OcpiSession:
    return OcpiSession(
        **_where(event.location),
        id=event.session_id,
        start_date_time=event.started_at,
        end_date_time=event.ended_at,
        kwh=event.kwh,
        cdr_token=event.cdr_token,
        auth_method=event.auth_method,
        authorization_reference=event.authorization_reference,
        currency=event.currency,
        charging_periods=event.charging_periods,
        total_cost=event.costs.total_cost,
        status="COMPLETED",
        last_updated=at,
    )


def _started(current: OcpiSession | None, event: SessionStarted, at: datetime) -> OcpiSession:
    """ACTIVE with its token; figures already known (a start that arrived late) are kept
    until the next update brings new ones."""
    return OcpiSession(
        **_where(event.location),
        id=event.session_id,
        start_date_time=event.started_at,
        kwh=current.kwh if current else Decimal(0),
        cdr_token=event.cdr_token,
        auth_method=event.auth_method,
        authorization_reference=event.authorization_reference,
        currency=event.currency,
        charging_periods=current.charging_periods if current else (),
        total_cost=current.total_cost if current else None,
        status="ACTIVE",
        last_updated=at,
    )


def _updated(current: OcpiSession, event: SessionUpdated) -> OcpiSession:
    # Figures only come with an ACTIVE session; other updates record station inputs.
    if event.started_at is None or current.status != "ACTIVE":
        return current
    return current.model_copy(
        update={
            "start_date_time": event.started_at,
            "kwh": event.kwh,
            "charging_periods": event.charging_periods,
            "total_cost": event.costs.total_cost if event.costs else current.total_cost,
        }
    )


def evolve_session(
    current: OcpiSession | None, event: SessionEvent, at: datetime
) -> OcpiSession | None:
    """The session after `event` recorded at `at`. `last_updated` moves only when what a
    partner reads changes, and never backwards."""
    after = _fold(current, event, at)
    if after is None or current is None:
        return after
    if after.model_copy(update={"last_updated": current.last_updated}) == current:
        return current
    return after.model_copy(update={"last_updated": max(at, current.last_updated)})


def session_to_ocpi(session: OcpiSession) -> dict[str, Any]:
    """Plain data: Decimal and datetime stay typed, so that rendering gives JSON numbers and
    OCPI DateTimes; unset optional fields are left out, not sent as null."""
    return session.model_dump(mode="python", exclude_none=True)


class SessionSource(Protocol):
    async def page(
        self, token_owner: Party, request: PageRequest
    ) -> tuple[int, Sequence[OcpiSession]]:
        """(how many sessions match the filters, those of the requested page), only those
        whose `cdr_token` belongs to `token_owner`, ordered by last_updated then id."""
        ...
