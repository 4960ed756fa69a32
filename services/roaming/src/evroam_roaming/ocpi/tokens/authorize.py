"""Real-time authorization as the CPO asks it (OCPI 2.2.1 section 6.1): the request we send
to the eMSP's Tokens Sender, and what its answer means. Pure: no I/O here."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, ValidationError

from evroam_contracts.roaming import AuthorizeRealtime, RealtimeAuthorization
from evroam_contracts.shared import AllowedType, LocationReferences
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.tokens.models import InvalidTokenError, parse_token

NOT_FOUND = 404
SERVER_ERRORS = 500


@dataclass(frozen=True)
class TokensSender:
    """Where and how we reach a token owner's eMSP: its tokens SENDER endpoint and the
    credentials token it gave us (token B, a secret: never logged)."""

    partner_id: str
    tokens_url: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class AuthorizeCall:
    url: str
    headers: dict[str, str]
    body: bytes | None


def authorize_call(
    sender: TokensSender,
    command: AuthorizeRealtime,
    *,
    us: Party,
    request_id: str,
    correlation_id: str,
) -> AuthorizeCall:
    """`POST {tokens}/{uid}/authorize?type=..`, routed from us to the token's owner (section
    1.5, direct request), with LocationReferences as the body when we know the location."""
    query = urlencode({"type": command.type})
    url = f"{sender.tokens_url.rstrip('/')}/{quote(command.uid, safe='')}/authorize?{query}"
    token = base64.b64encode(sender.token.encode()).decode()
    headers = {
        "Authorization": f"Token {token}",
        "X-Request-ID": request_id,
        "X-Correlation-ID": correlation_id,
        "OCPI-from-country-code": us.country_code,
        "OCPI-from-party-id": us.party_id,
        "OCPI-to-country-code": command.country_code.upper(),
        "OCPI-to-party-id": command.party_id.upper(),
    }
    body = None
    if command.location is not None:
        body = json.dumps(command.location.model_dump(mode="json")).encode()
        headers["Content-Type"] = "application/json"
    return AuthorizeCall(url, headers, body)


class _DisplayText(BaseModel):
    language: str | None = None
    text: str


class _AuthorizationInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")
    allowed: AllowedType
    token: dict[str, Any]
    location: LocationReferences | None = None
    authorization_reference: str | None = None
    info: _DisplayText | None = None


def unreachable(detail: str) -> RealtimeAuthorization:
    return RealtimeAuthorization(outcome="UNREACHABLE", detail=detail)


def interpret(http_status: int, body: bytes) -> RealtimeAuthorization:
    """What the eMSP's answer means: 1000 with AuthorizationInfo is an answer; HTTP 404 or
    OCPI 2004 an unknown token; anything else is no usable answer (UNREACHABLE, with why)."""
    if http_status == NOT_FOUND:
        return RealtimeAuthorization(outcome="UNKNOWN_TOKEN", detail="HTTP 404")
    if http_status >= SERVER_ERRORS:
        return unreachable(f"HTTP {http_status} from the eMSP")
    try:
        reply = json.loads(body)
        status = reply["status_code"] if isinstance(reply, dict) else None
    except (ValueError, KeyError):
        status = None
    if not isinstance(status, int):
        return unreachable(f"HTTP {http_status} without an OCPI envelope")
    message = str(reply.get("status_message") or "")[:200]
    if status == 2004:
        return RealtimeAuthorization(outcome="UNKNOWN_TOKEN", detail=f"OCPI 2004 {message}")
    if status != 1000:
        return unreachable(f"HTTP {http_status}, OCPI {status}: {message}")
    return _answered(reply.get("data"))


def _answered(data: object) -> RealtimeAuthorization:
    try:
        info = _AuthorizationInfo.model_validate(data)
        token = parse_token(info.token)
    except (ValidationError, InvalidTokenError) as exc:
        return unreachable(f"OCPI 1000 without a valid AuthorizationInfo: {exc}"[:500])
    return RealtimeAuthorization(
        outcome="ANSWERED",
        allowed=info.allowed,
        authorization_reference=info.authorization_reference,
        location=info.location,
        token=token,
        info=info.info.text if info.info else None,
    )
