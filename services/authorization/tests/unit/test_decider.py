"""Authorization decisions from the tokens whose uid matches the id tag."""

from __future__ import annotations

from datetime import UTC, datetime

from evroam_authorization.domain.decider import KnownToken, decide
from evroam_contracts.authorization import AuthorizeToken

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
REQ = AuthorizeToken(request_id="r1", station_id="CS1", id_tag="TAG1")


def token(
    cc: str = "DE", party: str = "ABC", valid: bool = True, wl: str = "ALLOWED"
) -> KnownToken:
    return KnownToken(cc, party, "TAG1", "RFID", f"{cc}-{party}-C1", None, valid, wl)


def test_a_valid_token_is_accepted_with_its_contract() -> None:
    d = decide(REQ, [token()], NOW, "ref")
    assert (d.status, d.token.contract_id if d.token else None) == ("ACCEPTED", "DE-ABC-C1")


def test_an_unknown_token_is_a_normal_invalid_decision() -> None:
    d = decide(REQ, [], NOW, "ref")
    assert (d.status, d.reason, d.token) == ("INVALID", "unknown token", None)


def test_a_blocked_token_is_refused() -> None:
    assert decide(REQ, [token(valid=False)], NOW, "ref").status == "BLOCKED"


def test_a_uid_issued_by_two_parties_never_authorizes_either() -> None:
    d = decide(REQ, [token(), token("NL", "XYZ")], NOW, "ref")
    assert d.status == "INVALID"
    assert d.token is None
    assert "ambiguous" in d.reason
