"""The gateway's own decision when the authorization service does not answer in time
(ARCHITECTURE section 5), from its local authorization cache. Pure.

The whitelist rules of OCPI 2.2.1 (WhitelistType) for an unreachable decider: ALWAYS, ALLOWED
and ALLOWED_OFFLINE tokens may be accepted locally when valid; NEVER tokens must be decided
online, so they are refused. Blocked, unknown and ambiguous tokens are refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evroam_contracts.whitelist import AmbiguousUidError, allows_offline, token_for_uid


@dataclass(frozen=True)
class CachedToken:
    country_code: str
    party_id: str
    uid: str
    type: str
    contract_id: str
    group_id: str | None
    valid: bool
    whitelist: str


@dataclass(frozen=True)
class LocalDecision:
    status: str
    reason: str
    token: CachedToken | None


def decide_offline(candidates: Sequence[CachedToken]) -> LocalDecision:
    """Decide from the cached tokens whose uid equals the presented id tag."""
    try:
        token = token_for_uid(candidates)
    except AmbiguousUidError as exc:
        return LocalDecision("INVALID", str(exc), None)
    if token is None:
        return LocalDecision("INVALID", "token not in the local cache", None)
    if not token.valid:
        return LocalDecision("BLOCKED", "token is not valid (local cache)", token)
    if not allows_offline(token.whitelist):
        return LocalDecision(
            "INVALID", f"whitelist {token.whitelist} needs an online decision", token
        )
    return LocalDecision("ACCEPTED", f"valid token, whitelist {token.whitelist}", token)
