"""What a WebSocket upgrade's Authorization header says, decided without the database (pure
parts of the station credential check; OCPP security profiles 1 and 2)."""

from __future__ import annotations

import base64

import pytest

from evroam_gateway.adapters.credentials import (
    BasicCredentials,
    CredentialCheck,
    CredentialOutcome,
    candidates,
    parse_basic,
    precheck,
)

KEY = bytes.fromhex("0123456789abcdef0123456789abcdef01234567")  # 20 raw bytes (OCPP 1.6)


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic(b"CS-1:secret"), BasicCredentials("CS-1", b"secret")),
        (basic(b"CS-1:pass:with:colons"), BasicCredentials("CS-1", b"pass:with:colons")),
        ("basic " + basic(b"CS-1:x")[6:], BasicCredentials("CS-1", b"x")),  # any case
        (basic(b"CS-1:" + KEY), BasicCredentials("CS-1", KEY)),
        (basic(b"RDAM 123:x"), BasicCredentials("RDAM 123", b"x")),
    ],
)
def test_a_basic_header_gives_the_user_and_the_password_bytes(
    header: str, expected: BasicCredentials
) -> None:
    assert parse_basic(header) == expected


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic", "Bearer abc", "Basic !!!", basic(b"no-colon"), basic(b"\xff\xfe:x")],
)
def test_anything_else_is_no_credentials(header: str | None) -> None:
    assert parse_basic(header) is None


def test_a_password_never_shows_in_a_repr() -> None:
    assert "secret" not in repr(BasicCredentials("CS-1", b"secret-password"))


def test_a_text_password_is_tried_as_it_is_and_a_hex_one_without_case() -> None:
    assert candidates(b"correct-horse-battery") == ["correct-horse-battery"]
    # 18 characters are also 18 bytes, whose 36-digit hex form could be a 1.6 key
    sent = b"0123456789ABCDEF01"
    assert candidates(sent) == ["0123456789abcdef01", sent.hex()]


def test_raw_key_bytes_are_tried_as_their_hex_form() -> None:
    assert candidates(KEY) == [KEY.hex()]


def test_a_password_that_cannot_be_one_is_not_tried_at_all() -> None:
    assert candidates(b"short") == []
    assert candidates(b"x" * 41) == []


def test_a_profile_2_station_without_tls_is_refused_before_its_password_is_read() -> None:
    check = precheck("CS-1", 2, basic(b"CS-1:whatever"), tls=False)
    assert check == CredentialCheck(CredentialOutcome.INSECURE_CHANNEL, 2)
    assert not check.ok


@pytest.mark.parametrize("profile", [1, 2])
def test_a_header_for_the_station_is_left_to_verify(profile: int) -> None:
    assert precheck("CS-1", profile, basic(b"CS-1:pw"), tls=True) == BasicCredentials("CS-1", b"pw")


def test_no_header_is_missing_and_another_stations_name_is_wrong() -> None:
    assert precheck("CS-1", 1, None, tls=False) == CredentialCheck(CredentialOutcome.MISSING, 1)
    assert precheck("CS-1", 1, basic(b"CS-2:pw"), False) == CredentialCheck(
        CredentialOutcome.WRONG, 1
    )
    assert precheck("CS-1", 1, basic(b"cs-1:pw"), False) == CredentialCheck(
        CredentialOutcome.WRONG, 1
    )


def test_only_ok_is_ok() -> None:
    assert CredentialCheck(CredentialOutcome.OK, 0).ok
    assert not any(CredentialCheck(o, 1).ok for o in CredentialOutcome if o != "ok")
