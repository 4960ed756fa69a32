"""Authorization decisions (OCPI 2.2.1 tokens module, WhitelistType; section 6.1 real-time
authorization). Pure: the candidate tokens, the eMSP's answer, the time and the ids come in.

A decision has two steps. `judge` looks at the tokens we know: it either decides, or says the
token's eMSP must be asked in real time. `judge_answer` then turns the eMSP's answer (or its
silence) into the decision, honouring the token's whitelist when the eMSP cannot answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from evroam_contracts.authorization import AuthorizationDecided, AuthorizeToken, TokenRef
from evroam_contracts.roaming import RealtimeAuthorization
from evroam_contracts.whitelist import AmbiguousUidError, allows_offline, token_for_uid

# AllowedType answered by an eMSP -> our decision status (same words, ALLOWED is ACCEPTED).
_ALLOWED_STATUS = {
    "ALLOWED": "ACCEPTED",
    "BLOCKED": "BLOCKED",
    "EXPIRED": "EXPIRED",
    "NO_CREDIT": "NO_CREDIT",
    "NOT_ALLOWED": "NOT_ALLOWED",
}
# Whitelists under which the eMSP is asked about a roaming token before we decide.
REALTIME_WHITELISTS = frozenset({"ALLOWED_OFFLINE", "NEVER"})


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
    source: str = "own"


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str
    token: KnownToken | None
    auth_method: str | None = None
    authorization_reference: str | None = None


@dataclass(frozen=True)
class CommandGrant:
    """The eMSP sent this token with a START_SESSION (or RESERVE_NOW) our station accepted:
    it authorized the token itself (OCPI 2.2.1 section 13), so it is accepted at that
    station for a while without asking again. `token.source` says where it came from."""

    token: KnownToken
    authorization_reference: str | None


@dataclass(frozen=True)
class AskEmsp:
    """The token's eMSP decides: ask it in real time, then call `judge_answer`."""

    token: KnownToken


def judge(candidates: Sequence[KnownToken], grant: CommandGrant | None = None) -> Verdict | AskEmsp:
    """Decide from the tokens whose uid equals the presented id tag, or defer to the eMSP.
    A command grant for this id tag at this station comes first: the eMSP has decided."""
    if grant is not None:
        return Verdict(
            "ACCEPTED",
            "started by the eMSP's command",
            grant.token,
            "COMMAND",
            grant.authorization_reference,
        )
    try:
        token = token_for_uid(candidates)
    except AmbiguousUidError as exc:
        return Verdict("INVALID", str(exc), None)
    if token is None:
        return Verdict("INVALID", "unknown token", None)
    if token.source == "roaming" and token.whitelist in REALTIME_WHITELISTS:
        # Asked even when valid is false: the eMSP may have unblocked it since it pushed it.
        return AskEmsp(token)
    return _local(token, f"whitelist {token.whitelist}")


def judge_answer(
    token: KnownToken, answer: RealtimeAuthorization, request: AuthorizeToken
) -> Verdict:
    """The eMSP's real-time answer, or the whitelist rule when it gave none (section 6.1 step 4)."""
    if answer.outcome == "ANSWERED" and answer.allowed is not None:
        status = _ALLOWED_STATUS[answer.allowed]
        reason = f"eMSP answered {answer.allowed}" + (f": {answer.info}" if answer.info else "")
        if status == "ACCEPTED" and not _location_allowed(answer, request):
            status, reason = "NOT_ALLOWED", "eMSP allows this token only at other EVSEs"
        return Verdict(status, reason, token, "AUTH_REQUEST", answer.authorization_reference)
    if answer.outcome == "UNKNOWN_TOKEN":
        return Verdict("INVALID", "eMSP does not know the token", token)
    why = f"eMSP unreachable ({answer.detail or answer.outcome.lower()})"
    if not allows_offline(token.whitelist):
        return Verdict(
            "INVALID", f"{why}; whitelist {token.whitelist} forbids a local decision", token
        )
    return _local(token, f"{why}; whitelist {token.whitelist} allows a local decision")


def decision(
    request: AuthorizeToken, verdict: Verdict, now: datetime, reference: str
) -> AuthorizationDecided:
    """The event recording a verdict; `reference` unless the eMSP gave its own."""
    token = verdict.token
    return AuthorizationDecided(
        request_id=request.request_id,
        station_id=request.station_id,
        id_tag=request.id_tag,
        status=verdict.status,
        reason=verdict.reason,
        authorization_reference=verdict.authorization_reference or reference,
        decided_at=now,
        auth_method=verdict.auth_method,
        location_id=request.location_id,
        evse_uid=request.evse_uid,
        parent_id_tag=token.group_id if token else None,
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


def _local(token: KnownToken, why: str) -> Verdict:
    if not token.valid:
        return Verdict("BLOCKED", f"token is not valid ({why})", token, "WHITELIST")
    return Verdict("ACCEPTED", f"valid token, {why}", token, "WHITELIST")


def _location_allowed(answer: RealtimeAuthorization, request: AuthorizeToken) -> bool:
    """OCPI AuthorizationInfo.location lists the only EVSEs where charging is allowed."""
    allowed = answer.location
    if allowed is None or request.location_id is None:
        return True
    if allowed.location_id != request.location_id:
        return False
    return (
        request.evse_uid is None or not allowed.evse_uids or request.evse_uid in allowed.evse_uids
    )
