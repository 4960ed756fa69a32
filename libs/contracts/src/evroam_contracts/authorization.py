"""Events and request/reply messages of the authorization service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from evroam_contracts.base import Command, Event
from evroam_contracts.shared import (
    AuthMethod,
    EnergyContract,
    ProfileType,
    TokenType,
    Value,
    Whitelist,
)

P = "authorization"

DecisionStatus = Literal["ACCEPTED", "BLOCKED", "EXPIRED", "INVALID", "NO_CREDIT", "NOT_ALLOWED"]


class TokenRegistered(Event):
    """A token was created or changed (a full OCPI Token; the latest one wins). Tokens are
    keyed by (country_code, party_id, uid, type). Our own tokens come from the admin API;
    roaming tokens (`source` "roaming") were pushed by the eMSP partner `partner_id`.
    The gateway's offline authorization cache is a projection of these events."""

    type_name: ClassVar[str] = "token.registered"
    producer: ClassVar[str] = P
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    uid: str = Field(max_length=36)
    type: TokenType
    contract_id: str = Field(max_length=36)
    visual_number: str | None = None
    issuer: str
    group_id: str | None = None
    valid: bool = True
    whitelist: Whitelist = "ALLOWED"
    language: str | None = None
    last_updated: datetime
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    source: Literal["own", "roaming"] = "own"
    partner_id: str | None = None


class TokenRef(Value):
    country_code: str
    party_id: str
    uid: str
    type: TokenType
    contract_id: str
    group_id: str | None = None


class AuthorizationDecided(Event):
    type_name: ClassVar[str] = "authorization.decided"
    producer: ClassVar[str] = P
    request_id: str
    station_id: str
    id_tag: str
    status: DecisionStatus
    reason: str
    authorization_reference: str
    token: TokenRef | None = None
    decided_at: datetime
    # OCPP 1.6 IdTagInfo.parentIdTag: the token's OCPI group_id.
    parent_id_tag: str | None = None
    # AUTH_REQUEST when the eMSP answered in real time, WHITELIST when decided from our tokens.
    auth_method: AuthMethod | None = None
    location_id: str | None = None
    evse_uid: str | None = None


class AuthorizeToken(Command):
    """Request on `evroam.authorization.requests`; the reply is an AuthorizationDecided
    payload sent to the reply topic named in the request's headers."""

    type_name: ClassVar[str] = "authorization.authorize_token"
    producer: ClassVar[str] = "gateway"
    request_id: str
    station_id: str
    id_tag: str
    location_id: str | None = None
    evse_uid: str | None = None
    purpose: Literal["authorize", "transaction_start"] = "authorize"


EVENTS = (TokenRegistered, AuthorizationDecided)
COMMANDS = (AuthorizeToken,)
