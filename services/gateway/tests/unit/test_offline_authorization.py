"""The gateway's own decision from its local authorization cache, when the authorization
service does not answer: OCPI whitelist rules for an unreachable decider."""

from __future__ import annotations

import pytest

from evroam_gateway.domain.offline_authorization import CachedToken, decide_offline


def cached(
    wl: str = "ALLOWED", valid: bool = True, party: str = "EVR", type_: str = "RFID"
) -> CachedToken:
    return CachedToken("NL", party, "TAG1", type_, f"NL-{party}-C1", "G1", valid, wl)


@pytest.mark.parametrize("wl", ["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE"])
def test_a_valid_token_whose_whitelist_allows_a_local_decision_is_accepted(wl: str) -> None:
    d = decide_offline([cached(wl)])
    assert d.status == "ACCEPTED"
    assert d.token == cached(wl)


def test_a_never_token_is_refused_because_it_needs_an_online_decision() -> None:
    d = decide_offline([cached("NEVER")])
    assert d.status == "INVALID"
    assert "online" in d.reason


def test_a_blocked_token_is_refused() -> None:
    assert decide_offline([cached(valid=False)]).status == "BLOCKED"


def test_a_token_missing_from_the_cache_is_refused() -> None:
    d = decide_offline([])
    assert (d.status, d.token) == ("INVALID", None)


def test_a_uid_cached_for_two_parties_authorizes_neither() -> None:
    d = decide_offline([cached(), cached(party="XYZ")])
    assert (d.status, d.token) == ("INVALID", None)


def test_the_rfid_token_of_a_party_speaks_for_a_shared_uid() -> None:
    assert decide_offline([cached("NEVER", type_="APP_USER"), cached()]).status == "ACCEPTED"
