"""Given / when / then on the registration handshake's decision (OCPI 2.2.1 section 2.3), the
credentials update (2.4) and unregistering (2.5)."""

from datetime import UTC, datetime

import pytest

from evroam_contracts.roaming import PartnerCredentialsUpdated, PartnerEndpoint
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    CredentialsNotExchangedError,
    RegisteredPartyNotInRolesError,
)
from evroam_roaming.domain.partners import (
    ExchangeCredentials,
    PartnerState,
    Party,
    RegisterPartner,
    evolve,
    exchange_credentials,
    register,
    token_sha256,
    unregister,
    update_credentials,
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


def test_a_registered_partner_updates_its_credentials_and_presents_a_new_token() -> None:
    [exchanged] = exchange_credentials(COMMAND, REGISTERED, token="token-c", now=NOW)
    moved = ExchangeCredentials(TNM, (TNM,), "https://new/versions", "2.2.1", ENDPOINTS)

    [updated] = update_credentials(moved, evolve(REGISTERED, exchanged), token="token-d", now=NOW)

    assert isinstance(updated, PartnerCredentialsUpdated)
    assert (updated.partner_id, updated.versions_url) == ("p1", "https://new/versions")
    assert updated.token_sha256 == token_sha256("token-d")
    assert "token-d" not in updated.model_dump_json()


def test_an_update_or_unregistration_before_the_handshake_is_refused() -> None:
    with pytest.raises(CredentialsNotExchangedError, match="POST credentials first"):
        update_credentials(COMMAND, REGISTERED, token="token-d", now=NOW)
    with pytest.raises(CredentialsNotExchangedError):
        unregister(REGISTERED, TNM, now=NOW)
    with pytest.raises(CredentialsNotExchangedError):
        unregister(PartnerState(), TNM, now=NOW)


def test_an_unregistered_party_can_be_registered_again_as_a_new_partner() -> None:
    [exchanged] = exchange_credentials(COMMAND, REGISTERED, token="token-c", now=NOW)
    state = evolve(REGISTERED, exchanged)

    [gone] = unregister(state, TNM, now=NOW)

    assert (gone.partner_id, gone.country_code, gone.party_id) == ("p1", "DE", "TNM")
    after = evolve(state, gone)
    assert after == PartnerState()
    with pytest.raises(CredentialsNotExchangedError):
        unregister(after, TNM, now=NOW)  # a second DELETE
    [again] = register(
        RegisterPartner("TNM again", "DE", "TNM", "EMSP"),
        after,
        partner_id="p2",
        token="a" * 43,
        now=NOW,
    )
    assert again.partner_id == "p2"
