"""The rules the authorization service and the gateway's offline cache share."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from evroam_contracts.whitelist import AmbiguousUidError, allows_offline, token_for_uid


@dataclass(frozen=True)
class Token:
    country_code: str
    party_id: str
    type: str


def test_no_token_for_a_uid_nobody_issued() -> None:
    assert token_for_uid([]) is None


def test_a_uid_issued_by_two_parties_stands_for_neither() -> None:
    with pytest.raises(AmbiguousUidError, match=r"DE\*ABC, NL\*XYZ"):
        token_for_uid([Token("NL", "XYZ", "RFID"), Token("DE", "ABC", "RFID")])


def test_one_partys_rfid_token_speaks_for_a_uid_it_shares_with_app_tokens() -> None:
    rfid = Token("DE", "ABC", "RFID")
    assert (
        token_for_uid([Token("DE", "ABC", "APP_USER"), rfid, Token("DE", "ABC", "OTHER")]) is rfid
    )


@pytest.mark.parametrize(
    ("whitelist", "offline"),
    [("ALWAYS", True), ("ALLOWED", True), ("ALLOWED_OFFLINE", True), ("NEVER", False)],
)
def test_only_never_tokens_must_always_be_asked(whitelist: str, offline: bool) -> None:
    assert allows_offline(whitelist) is offline
