"""Given / when / then on the registration handshake's decision (OCPI 2.2.1 section 2.3)."""

from datetime import UTC, datetime

import pytest

from evroam_contracts.roaming import PartnerEndpoint
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    RegisteredPartyNotInRolesError,
)
from evroam_roaming.domain.partners import (
    ExchangeCredentials,
    PartnerState,
    Party,
    evolve,
    exchange_credentials,
    token_sha256,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
TNM = Party("DE", "TNM")
ENDPOINTS = (PartnerEndpoint(identifier="tokens", role="SENDER", url="https://e/tokens"),)
COMMAND = ExchangeCredentials(TNM, (TNM,), "https://e/versions", "2.2.1", ENDPOINTS)
REGISTERED = PartnerState(partner_id="p1")


def test_a_registered_party_exchanges_credentials_logging_only_token_cs_hash() -> None:
    [event] = exchange_credentials(COMMAND, REGISTERED, token="token-c", now=NOW)
    assert event.partner_id == "p1"
    assert (event.country_code, event.party_id) == ("DE", "TNM")
    assert event.token_sha256 == token_sha256("token-c")
    assert event.endpoints == ENDPOINTS
    assert "token-c" not in event.model_dump_json()


def test_a_second_exchange_is_refused() -> None:
    [event] = exchange_credentials(COMMAND, REGISTERED, token="token-c", now=NOW)
    state = evolve(REGISTERED, event)
    with pytest.raises(CredentialsAlreadyExchangedError):
        exchange_credentials(COMMAND, state, token="token-d", now=NOW)


def test_roles_without_the_registered_party_are_refused() -> None:
    other = ExchangeCredentials(TNM, (Party("NL", "ABC"),), "https://e/v", "2.2.1", ENDPOINTS)
    with pytest.raises(RegisteredPartyNotInRolesError, match="DE\\*TNM"):
        exchange_credentials(other, REGISTERED, token="token-c", now=NOW)
