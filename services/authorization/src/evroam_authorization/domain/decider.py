"""Authorization decisions. Pure: the candidate tokens, the time and the ids come in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from evroam_contracts.authorization import AuthorizationDecided, AuthorizeToken, TokenRef


@dataclass(frozen=True)
class KnownToken:
    country_code: str
    party_id: str
    uid: str
    type: str
    contract_id: str
    group_id: str | None
    valid: bool
    whitelist: str


def decide(
    request: AuthorizeToken,
    candidates: Sequence[KnownToken],
    now: datetime,
    reference: str,
) -> AuthorizationDecided:
    """Decide on a request from the tokens whose uid equals the id tag."""
    status, reason, token = _judge(candidates)
    return AuthorizationDecided(
        request_id=request.request_id,
        station_id=request.station_id,
        id_tag=request.id_tag,
        status=status,
        reason=reason,
        authorization_reference=reference,
        decided_at=now,
        token=None
        if token is None
        else TokenRef(
            country_code=token.country_code,
            party_id=token.party_id,
            uid=token.uid,
            type=token.type,
            contract_id=token.contract_id,
            group_id=token.group_id,
        ),
    )


def _judge(candidates: Sequence[KnownToken]) -> tuple[str, str, KnownToken | None]:
    if not candidates:
        return "INVALID", "unknown token", None
    if len(candidates) > 1:
        # The same uid issued by several parties: never guess which party's driver this is.
        parties = ", ".join(sorted(f"{t.country_code}*{t.party_id}" for t in candidates))
        return "INVALID", f"token uid is ambiguous across issuers ({parties})", None
    token = candidates[0]
    if not token.valid:
        return "BLOCKED", "token is not valid", token
    if token.whitelist == "NEVER":
        # Real-time authorization with the eMSP comes with the roaming service.
        return "INVALID", "token requires real-time authorization (not available)", token
    return "ACCEPTED", f"valid token, whitelist {token.whitelist}", token
