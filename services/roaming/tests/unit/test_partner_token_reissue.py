"""Token A once more, given/when/then against the decider, and the status fold that reads the
partner's stream for the admin API."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from evroam_contracts.roaming import (
    PartnerCredentialsExchanged,
    PartnerCredentialsUpdated,
    PartnerRegistered,
    PartnerTokenReissued,
    PartnerUnregistered,
)
from evroam_roaming.adapters.partner_status import fold as fold_status
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    PartnerAlreadyRegisteredError,
)
from evroam_roaming.domain.partner_tokens import IssueTokenA, issue_token_a
from evroam_roaming.domain.partners import PartnerState

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
COMMAND = IssueTokenA("p1", "Example eMSP", "de", "tnm", "EMSP")
WAITING = PartnerState(partner_id="p1")
PARTY = {"partner_id": "p1", "country_code": "DE", "party_id": "TNM"}
HASH = "0" * 64


def test_a_partner_waiting_for_its_handshake_gets_a_token_that_replaces_its_old_one() -> None:
    [event] = issue_token_a(COMMAND, WAITING, new_partner_id="p2", token="n3w!", now=NOW)
    assert event == PartnerTokenReissued(
        **PARTY, token_sha256=hashlib.sha256(b"n3w!").hexdigest(), reissued_at=NOW
    )
    assert "n3w!" not in event.model_dump_json()


def test_an_unregistered_partner_comes_back_as_a_new_partner_with_its_name_and_role() -> None:
    [event] = issue_token_a(COMMAND, PartnerState(), new_partner_id="p2", token="n3w", now=NOW)
    assert isinstance(event, PartnerRegistered)
    assert (event.partner_id, event.name, event.role) == ("p2", "Example eMSP", "EMSP")
    assert (event.country_code, event.party_id) == ("DE", "TNM")


def test_a_connected_partner_rotates_its_token_itself() -> None:
    connected = PartnerState(partner_id="p1", credentials_exchanged=True)
    with pytest.raises(CredentialsAlreadyExchangedError, match="PUT credentials"):
        issue_token_a(COMMAND, connected, new_partner_id="p2", token="n3w", now=NOW)


def test_an_old_partner_of_a_party_registered_again_gets_no_token() -> None:
    taken = PartnerState(partner_id="p9")
    with pytest.raises(PartnerAlreadyRegisteredError, match="as partner p9"):
        issue_token_a(COMMAND, taken, new_partner_id="p2", token="n3w", now=NOW)


def test_the_status_fold_follows_one_partner_of_a_stream_through_its_life() -> None:
    at = [NOW + timedelta(minutes=m) for m in range(6)]
    connection = {"versions_url": "https://e/v", "ocpi_version": "2.2.1", "endpoints": ()}
    registered = {"name": "X", "role": "EMSP", "token_sha256": HASH}
    events = [
        PartnerRegistered(**PARTY, **registered, registered_at=at[0]),
        PartnerTokenReissued(**PARTY, token_sha256=HASH, reissued_at=at[1]),
        PartnerCredentialsExchanged(**PARTY, token_sha256=HASH, **connection, exchanged_at=at[2]),
        PartnerCredentialsUpdated(**PARTY, token_sha256=HASH, **connection, exchanged_at=at[3]),
        PartnerUnregistered(**PARTY, unregistered_at=at[4]),
        PartnerRegistered(**(PARTY | {"partner_id": "p2"}), **registered, registered_at=at[5]),
    ]
    found = fold_status(events)
    old, new = found["p1"], found["p2"]
    assert (old.state, old.token_a_issued_at, old.handshake_at) == ("UNREGISTERED", at[1], at[2])
    assert (old.credentials_updated_at, old.unregistered_at) == (at[3], at[4])
    assert (new.state, new.token_a_issued_at, new.handshake_at) == ("REGISTERED", at[5], None)
