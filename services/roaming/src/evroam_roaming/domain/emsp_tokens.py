"""Our own drivers' tokens as we, the eMSP, serve them to CPOs (OCPI 2.2.1 section 3.5,
Sender interface), and the real-time authorization answers we give from them (section 6.1).
Pure: the token, the request, the ids and the time come in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.roaming import RealtimeAuthorizationAnswered
from evroam_contracts.shared import AllowedType, LocationReferences, OcpiToken, TokenType
from evroam_roaming.domain.partners import CPO_SIDE, Party
from evroam_roaming.domain.tokens import TokenKey

# Who may use our Tokens Sender: the CPOs our drivers charge with, and hubs on their behalf
# (OCPI 2.2.1 section 1.1, interface table: Tokens Sender = eMSP, its client = CPO).
TOKEN_CLIENT_ROLES = CPO_SIDE


def own_token(event: TokenRegistered) -> OcpiToken | None:
    """The OCPI Token of one of our own drivers' tokens; None for a roaming partner's token,
    which is the partner's to serve, not ours."""
    if event.source != "own":
        return None
    fields = event.model_dump(exclude={"source", "partner_id"})
    return OcpiToken.model_validate(fields)


def token_key(token: OcpiToken) -> TokenKey:
    return TokenKey.of_token(token)


def push_path(key: TokenKey) -> str:
    """Where a CPO's Tokens Receiver keeps the token, below its endpoint URL (section 3.5:
    `{tokens}/{country_code}/{party_id}/{token_uid}[?type=...]`). A uid is a CiString, printable
    ASCII, but may hold `/` or `?`: those are escaped."""
    uid = "".join(c if c.isalnum() or c in "-._~*" else f"%{ord(c):02X}" for c in key.uid)
    return f"/{key.owner.country_code}/{key.owner.party_id}/{uid}?type={key.type}"


def push_object_id(key: TokenKey) -> str:
    """One push queue row per token (the newest version replaces one still queued)."""
    return f"{key.owner.country_code}/{key.owner.party_id}/{key.type}/{key.uid}"


@dataclass(frozen=True)
class AuthorizationAnswer:
    """OCPI 2.2.1 AuthorizationInfo (section 3.5) before it is rendered."""

    allowed: AllowedType
    token: OcpiToken
    location: LocationReferences | None = None
    authorization_reference: str | None = None


def authorize(
    token: OcpiToken, location: LocationReferences | None, *, reference: str
) -> AuthorizationAnswer:
    """Section 6.1 step 2: a valid token is ALLOWED, an invalid one BLOCKED. Our tokens carry
    no expiry, credit or location rules, so EXPIRED, NO_CREDIT and NOT_ALLOWED never arise.
    Where it is ALLOWED: the location the CPO named, as it named it (the eMSP must not refuse
    on opening hours or EVSE status it may hold stale); the reference goes into the CPO's
    Session and CDR, so that we can match them to this answer."""
    if not token.valid:
        return AuthorizationAnswer(allowed="BLOCKED", token=token)
    return AuthorizationAnswer(
        allowed="ALLOWED", token=token, location=location, authorization_reference=reference
    )


def answered(
    answer: AuthorizationAnswer | None,
    *,
    partner_id: str,
    cpo: Party,
    uid: str,
    type_: TokenType,
    now: datetime,
) -> RealtimeAuthorizationAnswered:
    """The event of one answer; `answer` None: the token is not ours (HTTP 404, OCPI 2004)."""
    token = answer.token if answer else None
    return RealtimeAuthorizationAnswered(
        partner_id=partner_id,
        cpo_country_code=cpo.country_code,
        cpo_party_id=cpo.party_id,
        uid=uid,
        type=type_,
        allowed=answer.allowed if answer else None,
        token_country_code=token.country_code.upper() if token else None,
        token_party_id=token.party_id.upper() if token else None,
        authorization_reference=answer.authorization_reference if answer else None,
        location=answer.location if answer else None,
        answered_at=now,
    )
