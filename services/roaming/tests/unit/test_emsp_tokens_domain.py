"""Our own tokens as the eMSP serves them, and the real-time authorization answers we give
from them (OCPI 2.2.1 sections 3.5 and 6.1): pure rules."""

from datetime import UTC, datetime

from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.shared import LocationReferences, OcpiToken
from evroam_roaming.domain.emsp_tokens import (
    answered,
    authorize,
    own_token,
    push_object_id,
    push_path,
)
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.tokens import TokenKey

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
FIELDS = {
    "country_code": "NL",
    "party_id": "EVR",
    "uid": "04A1B2",
    "type": "RFID",
    "contract_id": "NL-EVR-C12345678-X",
    "issuer": "evroam",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": NOW,
}
TOKEN = OcpiToken.model_validate(FIELDS)
HERE = LocationReferences(location_id="LOC1", evse_uids=("E1",))


def test_an_own_token_becomes_the_ocpi_token_we_serve() -> None:
    token = own_token(TokenRegistered(**FIELDS, source="own"))
    assert token == TOKEN


def test_a_roaming_partners_token_is_not_ours_to_serve() -> None:
    assert own_token(TokenRegistered(**FIELDS, source="roaming", partner_id="p-1")) is None


def test_a_valid_token_is_allowed_where_the_cpo_asked_with_a_reference() -> None:
    answer = authorize(TOKEN, HERE, reference="ref-1")
    assert (answer.allowed, answer.location, answer.authorization_reference) == (
        "ALLOWED",
        HERE,
        "ref-1",
    )
    assert answer.token == TOKEN


def test_a_valid_token_asked_without_a_location_is_allowed_without_one() -> None:
    answer = authorize(TOKEN, None, reference="ref-1")
    assert (answer.allowed, answer.location) == ("ALLOWED", None)


def test_an_invalid_token_is_blocked_with_no_location_and_no_reference() -> None:
    blocked = TOKEN.model_copy(update={"valid": False})
    answer = authorize(blocked, HERE, reference="ref-1")
    assert (answer.allowed, answer.location, answer.authorization_reference) == (
        "BLOCKED",
        None,
        None,
    )


def test_the_answer_event_names_the_cpo_the_token_and_what_we_said() -> None:
    event = answered(
        authorize(TOKEN, HERE, reference="ref-1"),
        partner_id="p-1",
        cpo=Party("BE", "BEC"),
        uid="04a1b2",
        type_="RFID",
        now=NOW,
    )
    assert (event.cpo_country_code, event.cpo_party_id, event.uid) == ("BE", "BEC", "04a1b2")
    assert (event.allowed, event.authorization_reference, event.location) == (
        "ALLOWED",
        "ref-1",
        HERE,
    )
    assert (event.token_country_code, event.token_party_id) == ("NL", "EVR")


def test_an_unknown_token_is_an_answer_event_without_allowed() -> None:
    event = answered(None, partner_id="p-1", cpo=Party("BE", "BEC"), uid="X", type_="RFID", now=NOW)
    assert (event.allowed, event.token_country_code, event.authorization_reference) == (
        None,
        None,
        None,
    )


def test_a_token_is_pushed_below_the_receiver_url_with_its_type() -> None:
    key = TokenKey.of("nl", "evr", "04a1b2", "APP_USER")
    assert push_path(key) == "/NL/EVR/04A1B2?type=APP_USER"
    assert push_object_id(key) == "NL/EVR/APP_USER/04A1B2"


def test_a_uid_with_a_slash_or_question_mark_is_escaped_in_the_push_path() -> None:
    key = TokenKey.of("NL", "EVR", "A/B?C", "RFID")
    assert push_path(key) == "/NL/EVR/A%2FB%3FC?type=RFID"
