"""Authorization decisions: whitelist semantics (OCPI 2.2.1 WhitelistType), blocked, unknown
and ambiguous tokens, group ids, and the eMSP's real-time answers (section 6.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evroam_authorization.domain.decider import AskEmsp, KnownToken, Verdict, decision, judge
from evroam_authorization.domain.decider import judge_answer as answer_of
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.roaming import RealtimeAuthorization
from evroam_contracts.shared import LocationReferences

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
REQ = AuthorizeToken(
    request_id="r1", station_id="CS1", id_tag="TAG1", location_id="LOC1", evse_uid="EVSE1"
)


def token(
    cc: str = "DE",
    party: str = "ABC",
    valid: bool = True,
    wl: str = "ALLOWED",
    source: str = "own",
    group: str | None = None,
    type_: str = "RFID",
) -> KnownToken:
    return KnownToken(cc, party, "TAG1", type_, f"{cc}-{party}-C1", group, valid, wl, source)


def roaming(wl: str, valid: bool = True) -> KnownToken:
    return token("NL", "XYZ", valid=valid, wl=wl, source="roaming")


def verdict_of(candidates: list[KnownToken]) -> Verdict:
    v = judge(candidates)
    assert isinstance(v, Verdict), f"expected a local decision, got {v}"
    return v


def reply(outcome: str = "ANSWERED", **kw: object) -> RealtimeAuthorization:
    return RealtimeAuthorization.model_validate({"outcome": outcome, **kw})


def test_a_valid_own_token_is_accepted_with_its_contract() -> None:
    d = decision(REQ, verdict_of([token()]), NOW, "ref")
    assert (d.status, d.auth_method, d.authorization_reference) == ("ACCEPTED", "WHITELIST", "ref")
    assert d.token is not None
    assert d.token.contract_id == "DE-ABC-C1"


def test_an_unknown_token_is_a_normal_invalid_decision() -> None:
    v = verdict_of([])
    assert (v.status, v.reason, v.token) == ("INVALID", "unknown token", None)


def test_a_blocked_own_token_is_refused() -> None:
    assert verdict_of([token(valid=False)]).status == "BLOCKED"


@pytest.mark.parametrize("wl", ["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"])
def test_own_tokens_are_decided_here_whatever_their_whitelist(wl: str) -> None:
    assert verdict_of([token(wl=wl)]).status == "ACCEPTED"


def test_a_uid_issued_by_two_parties_never_authorizes_either() -> None:
    v = verdict_of([token(), token("NL", "XYZ")])
    assert (v.status, v.token) == ("INVALID", None)
    assert "ambiguous" in v.reason


def test_one_partys_rfid_token_speaks_for_a_uid_it_shares_with_an_app_token() -> None:
    v = verdict_of([token(type_="APP_USER", valid=False), token(type_="RFID")])
    assert v.status == "ACCEPTED"
    assert v.token is not None
    assert v.token.type == "RFID"


def test_the_group_id_becomes_the_parent_id_tag() -> None:
    d = decision(REQ, verdict_of([token(group="FLEET-7")]), NOW, "ref")
    assert d.parent_id_tag == "FLEET-7"


@pytest.mark.parametrize("wl", ["ALWAYS", "ALLOWED"])
def test_roaming_tokens_whitelisted_always_or_allowed_are_decided_locally(wl: str) -> None:
    assert verdict_of([roaming(wl)]).status == "ACCEPTED"
    assert verdict_of([roaming(wl, valid=False)]).status == "BLOCKED"


@pytest.mark.parametrize("wl", ["ALLOWED_OFFLINE", "NEVER"])
@pytest.mark.parametrize("valid", [True, False])
def test_roaming_tokens_that_need_the_emsp_are_asked_even_when_invalid(
    wl: str, valid: bool
) -> None:
    assert isinstance(judge([roaming(wl, valid)]), AskEmsp)


def test_the_emsps_allowed_answer_accepts_with_its_authorization_reference() -> None:
    v = answer_of(roaming("NEVER"), reply(allowed="ALLOWED", authorization_reference="EMSP-7"), REQ)
    d = decision(REQ, v, NOW, "ours")
    assert (d.status, d.auth_method, d.authorization_reference) == (
        "ACCEPTED",
        "AUTH_REQUEST",
        "EMSP-7",
    )


@pytest.mark.parametrize("allowed", ["BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"])
def test_the_emsps_refusals_are_kept_as_they_were_given(allowed: str) -> None:
    v = answer_of(roaming("NEVER"), reply(allowed=allowed, info="see app"), REQ)
    assert v.status == allowed
    assert "see app" in v.reason


def test_an_emsp_that_allows_only_other_evses_is_not_allowed_here() -> None:
    elsewhere = LocationReferences(location_id="LOC1", evse_uids=("EVSE2",))
    v = answer_of(roaming("NEVER"), reply(allowed="ALLOWED", location=elsewhere), REQ)
    assert v.status == "NOT_ALLOWED"


def test_an_emsp_that_allows_this_evse_is_allowed_here() -> None:
    here = LocationReferences(location_id="LOC1", evse_uids=("EVSE1", "EVSE2"))
    assert answer_of(roaming("NEVER"), reply(allowed="ALLOWED", location=here), REQ).status == (
        "ACCEPTED"
    )


def test_a_token_its_emsp_does_not_know_is_invalid() -> None:
    assert answer_of(roaming("ALLOWED_OFFLINE"), reply("UNKNOWN_TOKEN"), REQ).status == "INVALID"


@pytest.mark.parametrize("outcome", ["UNREACHABLE", "NO_PARTNER"])
def test_an_unreachable_emsp_lets_allowed_offline_decide_locally(outcome: str) -> None:
    v = answer_of(roaming("ALLOWED_OFFLINE"), reply(outcome, detail="connection refused"), REQ)
    assert (v.status, v.auth_method) == ("ACCEPTED", "WHITELIST")
    assert "unreachable" in v.reason


def test_an_unreachable_emsp_still_refuses_a_blocked_allowed_offline_token() -> None:
    v = answer_of(roaming("ALLOWED_OFFLINE", valid=False), reply("UNREACHABLE"), REQ)
    assert v.status == "BLOCKED"


def test_an_unreachable_emsp_refuses_a_never_token() -> None:
    v = answer_of(roaming("NEVER"), reply("UNREACHABLE"), REQ)
    assert v.status == "INVALID"
    assert "NEVER" in v.reason


def test_a_token_the_emsp_sent_with_a_start_session_is_accepted_as_command() -> None:
    # OCPI 2.2.1 section 13: the eMSP authorized it; no real-time question, no whitelist.
    from evroam_authorization.domain.decider import CommandGrant

    sent = token("NL", "XYZ", wl="NEVER", source="command")
    verdict = judge([roaming("NEVER")], CommandGrant(sent, "emsp-ref-1"))
    assert verdict == Verdict(
        "ACCEPTED", "started by the eMSP's command", sent, "COMMAND", "emsp-ref-1"
    )
    assert isinstance(verdict, Verdict)
    decided = decision(REQ, verdict, NOW, "our-ref")
    assert (decided.auth_method, decided.authorization_reference) == ("COMMAND", "emsp-ref-1")
    assert decided.token is not None
    assert decided.token.party_id == "XYZ"
    # Without a grant the same token is a question for its eMSP.
    assert isinstance(judge([roaming("NEVER")]), AskEmsp)
