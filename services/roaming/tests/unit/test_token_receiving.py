"""Given / when / then on the tokens decider: what a pushed token records."""

from datetime import UTC, datetime, timedelta

from evroam_contracts.roaming import TokenReceived
from evroam_contracts.shared import OcpiToken
from evroam_roaming.domain.tokens import Receipt, TokenKey, TokenState, receive, token_stream

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
TOKEN = OcpiToken(
    country_code="DE",
    party_id="TNM",
    uid="12345678905880",
    type="RFID",
    contract_id="DE8ACC12E46L89",
    issuer="TheNewMotion",
    valid=True,
    whitelist="ALLOWED",
    last_updated=datetime(2018, 12, 10, 17, 25, 10, tzinfo=UTC),
)


def later(token: OcpiToken, seconds: int, **changes: object) -> OcpiToken:
    return token.model_copy(
        update={"last_updated": token.last_updated + timedelta(seconds=seconds), **changes}
    )


def test_a_new_token_is_created_with_one_event_carrying_the_whole_token() -> None:
    receipt, events = receive(TOKEN, TokenState(), partner_id="p1", now=NOW)
    assert receipt is Receipt.CREATED
    assert events == [TokenReceived(partner_id="p1", token=TOKEN, received_at=NOW)]


def test_a_newer_token_updates_the_held_one() -> None:
    newer = later(TOKEN, 60, valid=False)
    receipt, events = receive(newer, TokenState(TOKEN), partner_id="p1", now=NOW)
    assert receipt is Receipt.UPDATED
    assert [e.token for e in events] == [newer]


def test_an_older_token_is_ignored_and_records_nothing() -> None:
    older = later(TOKEN, -60, valid=False)
    assert receive(older, TokenState(TOKEN), partner_id="p1", now=NOW) == (Receipt.STALE, [])


def test_the_same_token_again_records_nothing() -> None:
    assert receive(TOKEN, TokenState(TOKEN), partner_id="p1", now=NOW) == (Receipt.UNCHANGED, [])


def test_other_content_with_the_same_last_updated_is_taken() -> None:
    corrected = later(TOKEN, 0, visual_number="DF000-2001-8999-1")
    receipt, events = receive(corrected, TokenState(TOKEN), partner_id="p1", now=NOW)
    assert receipt is Receipt.UPDATED
    assert len(events) == 1


def test_keys_and_streams_ignore_the_case_of_cistrings() -> None:
    key = TokenKey.of("de", "tnm", "04a1b2", "RFID")
    assert key == TokenKey.of("DE", "TNM", "04A1B2", "RFID")
    assert token_stream(key) == "token-DE-TNM-RFID-04A1B2"
