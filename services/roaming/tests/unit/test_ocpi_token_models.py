"""Tokens as partners write them: the spec's examples pass, broken bodies say why."""

from datetime import UTC, datetime

import pytest

from evroam_roaming.ocpi.tokens.models import (
    InvalidTokenError,
    check_patch,
    parse_token,
    patched,
    token_json,
)

# The values of the spec's examples/token_example_2_full_rfid.json (OCPI 2.2.1 section 3.5).
FULL = {
    "country_code": "DE",
    "party_id": "TNM",
    "uid": "12345678905880",
    "type": "RFID",
    "contract_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999-1",
    "issuer": "TheNewMotion",
    "group_id": "DF000-2001-8999",
    "valid": True,
    "whitelist": "ALLOWED",
    "language": "it",
    "default_profile_type": "GREEN",
    "energy_contract": {"supplier_name": "Greenpeace Energy eG", "contract_id": "0123456789"},
    "last_updated": "2018-12-10T17:25:10Z",
}


def test_a_full_token_round_trips_to_the_same_ocpi_json() -> None:
    token = parse_token(FULL)
    assert token.last_updated == datetime(2018, 12, 10, 17, 25, 10, tzinfo=UTC)
    assert token_json(token) == FULL


def test_a_datetime_without_z_is_utc_as_ocpi_says() -> None:
    token = parse_token({**FULL, "last_updated": "2018-12-10T17:25:10"})
    assert token.last_updated == datetime(2018, 12, 10, 17, 25, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"valid": "yes"}, "valid"),
        ({"whitelist": "SOMETIMES"}, "whitelist"),
        ({"last_updated": "10/12/2018"}, "last_updated"),
        ({"uid": "x" * 37}, "uid"),
        ({"contract_id": "DE\tTAB"}, "contract_id"),
    ],
)
def test_a_broken_token_is_refused_naming_the_field(change: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidTokenError, match=reason):
        parse_token({**FULL, **change})


def test_a_token_missing_a_required_field_is_refused() -> None:
    body = {k: v for k, v in FULL.items() if k != "issuer"}
    with pytest.raises(InvalidTokenError, match="issuer"):
        parse_token(body)


def test_a_patch_changes_only_its_fields() -> None:
    patch = check_patch({"valid": False, "last_updated": "2019-06-19T02:11:11Z"})
    after = patched(parse_token(FULL), patch)
    assert token_json(after) == {**FULL, "valid": False, "last_updated": "2019-06-19T02:11:11Z"}


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"valid": False}, "last_updated"),
        ({"colour": "red", "last_updated": "2019-06-19T02:11:11Z"}, "colour"),
        ({"group_id": None, "last_updated": "2019-06-19T02:11:11Z"}, "group_id"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_patch_that_cannot_be_applied_is_refused_saying_why(patch: object, reason: str) -> None:
    with pytest.raises(InvalidTokenError, match=reason):
        check_patch(patch)
