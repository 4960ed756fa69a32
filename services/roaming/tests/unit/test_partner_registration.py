import hashlib
from datetime import UTC, datetime

import pytest

from evroam_contracts.roaming import PartnerRegistered
from evroam_roaming.domain.errors import (
    InvalidCredentialsTokenError,
    PartnerAlreadyRegisteredError,
)
from evroam_roaming.domain.partners import (
    PartnerState,
    RegisterPartner,
    fold,
    partner_stream,
    register,
)
from evroam_roaming.handlers.commands import new_credentials_token

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
COMMAND = RegisterPartner(name="Example eMSP", country_code="de", party_id="tnm", role="EMSP")


def test_a_new_party_is_registered_with_only_the_tokens_sha256() -> None:
    # given no registration, when registering, then one event without the token itself
    [event] = register(COMMAND, PartnerState(), partner_id="p1", token="s3cret!", now=NOW)
    assert event == PartnerRegistered(
        partner_id="p1",
        name="Example eMSP",
        country_code="DE",
        party_id="TNM",
        role="EMSP",
        token_sha256=hashlib.sha256(b"s3cret!").hexdigest(),
        registered_at=NOW,
    )
    assert "s3cret!" not in event.model_dump_json()


def test_a_party_registers_only_once() -> None:
    given = fold(register(COMMAND, PartnerState(), partner_id="p1", token="a", now=NOW))
    with pytest.raises(PartnerAlreadyRegisteredError, match="DE\\*TNM"):
        register(COMMAND, given, partner_id="p2", token="b", now=NOW)


def test_a_token_outside_ocpis_charset_is_refused() -> None:
    with pytest.raises(InvalidCredentialsTokenError):
        register(COMMAND, PartnerState(), partner_id="p1", token="with space", now=NOW)


def test_the_stream_of_a_party_ignores_case_as_ocpi_cistrings_do() -> None:
    assert partner_stream("de", "tnm") == partner_stream("DE", "TNM") == "partner-DE-TNM"


def test_issued_tokens_are_fresh_printable_and_short_enough() -> None:
    tokens = {new_credentials_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) <= 64 and t.isascii() and t.isprintable() and " " not in t for t in tokens)
