"""The gateway's own decision when the authorization service does not answer in time
(ARCHITECTURE section 5), from its local authorization cache. Pure.

The whitelist rules of OCPI 2.2.1 (WhitelistType) for an unreachable decider: ALWAYS, ALLOWED
and ALLOWED_OFFLINE tokens may be accepted locally when valid; NEVER tokens must be decided
online, so they are refused. Blocked, unknown and ambiguous tokens are refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LOCAL_WHITELISTS = frozenset({"ALWAYS", "ALLOWED", "ALLOWED_OFFLINE"})


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
    if not candidates:
        return LocalDecision("INVALID", "token not in the local cache", None)
    parties = sorted({f"{t.country_code}*{t.party_id}" for t in candidates})
    if len(parties) > 1:
        return LocalDecision("INVALID", f"token uid is ambiguous ({', '.join(parties)})", None)
    # A station reads cards: one party's RFID token speaks for a uid it shares with an app id.
    token = min(candidates, key=lambda t: (t.type != "RFID", t.type))
    if not token.valid:
        return LocalDecision("BLOCKED", "token is not valid (local cache)", token)
    if token.whitelist not in LOCAL_WHITELISTS:
        return LocalDecision(
            "INVALID", f"whitelist {token.whitelist} needs an online decision", token
        )
    return LocalDecision("ACCEPTED", f"valid token, whitelist {token.whitelist}", token)
