"""Partner platforms allowed to call our OCPI API. Pure: ids, the token and time come in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from evroam_contracts.roaming import (
    PartnerCredentialsExchanged,
    PartnerCredentialsUpdated,
    PartnerEndpoint,
    PartnerRegistered,
    PartnerUnregistered,
    Role,
)
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    CredentialsNotExchangedError,
    InvalidCredentialsTokenError,
    PartnerAlreadyRegisteredError,
    RegisteredPartyNotInRolesError,
)

# PartnerCredentialsUpdated is a PartnerCredentialsExchanged.
PartnerEvent = PartnerRegistered | PartnerCredentialsExchanged | PartnerUnregistered

MAX_CREDENTIALS_TOKEN_LENGTH = 64  # OCPI 2.2.1 section 2.2: Credentials.token string(64)
# Who plays which side of an interface (OCPI 2.2.1 section 1.1, the interface table; a hub
# relays for both, section 1.5). The CPO side owns Locations, Sessions, CDRs and Tariffs and
# asks the eMSP's Tokens Sender; the eMSP side owns Tokens and sends Commands.
CPO_SIDE: frozenset[Role] = frozenset({"CPO", "HUB"})
EMSP_SIDE: frozenset[Role] = frozenset({"EMSP", "HUB"})


@dataclass(frozen=True)
class Party:
    """An OCPI party (section 1.1); both ids are CiStrings, kept upper case."""

    country_code: str
    party_id: str

    @classmethod
    def of(cls, country_code: str, party_id: str) -> Party:
        return cls(country_code.upper(), party_id.upper())


@dataclass(frozen=True)
class Partner:
    partner_id: str
    name: str
    party: Party
    role: Role
    token_sha256: str


@dataclass(frozen=True)
class RegisterPartner:
    name: str
    country_code: str
    party_id: str
    role: Role


@dataclass(frozen=True)
class PartnerState:
    """What a party's stream says so far: registered (with its partner id) or not, and
    whether the OCPI registration handshake (section 2.3) has completed."""

    partner_id: str | None = None
    credentials_exchanged: bool = False


@dataclass(frozen=True)
class ExchangeCredentials:
    """Complete the handshake for a registered party: what we learnt from its versions and
    version details (fetched with the token it gave us), and the roles it declared."""

    party: Party
    roles: tuple[Party, ...]
    versions_url: str
    ocpi_version: str
    endpoints: tuple[PartnerEndpoint, ...]


def partner_stream(country_code: str, party_id: str) -> str:
    party = Party.of(country_code, party_id)
    return f"partner-{party.country_code}-{party.party_id}"


def is_credentials_token(text: str) -> bool:
    """OCPI 2.2.1 section 1.2: printable non-whitespace ASCII, at most 64 characters."""
    return 0 < len(text) <= MAX_CREDENTIALS_TOKEN_LENGTH and all(
        "\x21" <= c <= "\x7e" for c in text
    )


def token_sha256(token: str) -> str:
    """What we keep of a credentials token: enough to recognise it, useless to present it.
    Tokens we issue carry 256 random bits, so an unsalted hash cannot be brute-forced."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def evolve(state: PartnerState, event: PartnerEvent) -> PartnerState:
    if isinstance(event, PartnerCredentialsExchanged):
        return PartnerState(partner_id=state.partner_id, credentials_exchanged=True)
    if isinstance(event, PartnerUnregistered):
        return PartnerState()  # the party may be registered again, as a new partner
    return PartnerState(partner_id=event.partner_id)


def fold(events: Iterable[PartnerEvent]) -> PartnerState:
    state = PartnerState()
    for event in events:
        state = evolve(state, event)
    return state


def register(
    command: RegisterPartner, state: PartnerState, *, partner_id: str, token: str, now: datetime
) -> list[PartnerRegistered]:
    """Let a partner platform in with `token`; only the token's SHA-256 enters the log."""
    if state.partner_id is not None:
        raise PartnerAlreadyRegisteredError(
            f"{command.country_code.upper()}*{command.party_id.upper()} is already registered"
            f" as partner {state.partner_id}"
        )
    if not is_credentials_token(token):
        raise InvalidCredentialsTokenError("credentials token is not 1-64 printable ASCII chars")
    party = Party.of(command.country_code, command.party_id)
    return [
        PartnerRegistered(
            partner_id=partner_id,
            name=command.name,
            country_code=party.country_code,
            party_id=party.party_id,
            role=command.role,
            token_sha256=token_sha256(token),
            registered_at=now,
        )
    ]


def exchange_credentials(
    command: ExchangeCredentials, state: PartnerState, *, token: str, now: datetime
) -> list[PartnerCredentialsExchanged]:
    """OCPI 2.2.1 section 2.3 step 6: from now on the partner presents `token` (token C) and
    nothing else; only its SHA-256 enters the log."""
    if state.partner_id is None:
        raise LookupError(f"{command.party} is not registered")  # auth let an unknown in
    if state.credentials_exchanged:
        raise CredentialsAlreadyExchangedError(
            f"partner {state.partner_id} is already registered; use PUT to update"
        )
    return [_exchanged(PartnerCredentialsExchanged, command, state.partner_id, token, now)]


def update_credentials(
    command: ExchangeCredentials, state: PartnerState, *, token: str, now: datetime
) -> list[PartnerCredentialsExchanged]:
    """OCPI 2.2.1 section 2.4: a registered partner sends new credentials (PUT); it presents
    `token` from now on, and the token before stops working."""
    if state.partner_id is None or not state.credentials_exchanged:
        raise CredentialsNotExchangedError(
            f"{command.party.country_code}*{command.party.party_id} is not registered over"
            " OCPI yet: POST credentials first"
        )
    return [_exchanged(PartnerCredentialsUpdated, command, state.partner_id, token, now)]


def unregister(state: PartnerState, party: Party, *, now: datetime) -> list[PartnerUnregistered]:
    """OCPI 2.2.1 section 2.5: the partner ends the connection (DELETE)."""
    if state.partner_id is None or not state.credentials_exchanged:
        raise CredentialsNotExchangedError(
            f"{party.country_code}*{party.party_id} is not registered over OCPI"
        )
    return [
        PartnerUnregistered(
            partner_id=state.partner_id,
            country_code=party.country_code,
            party_id=party.party_id,
            unregistered_at=now,
        )
    ]


def _exchanged(
    kind: type[PartnerCredentialsExchanged],
    command: ExchangeCredentials,
    partner_id: str,
    token: str,
    now: datetime,
) -> PartnerCredentialsExchanged:
    if command.party not in command.roles:
        raise RegisteredPartyNotInRolesError(
            f"roles must include the registered party {command.party.country_code}"
            f"*{command.party.party_id}"
        )
    if not is_credentials_token(token):
        raise InvalidCredentialsTokenError("credentials token is not 1-64 printable ASCII chars")
    return kind(
        partner_id=partner_id,
        country_code=command.party.country_code,
        party_id=command.party.party_id,
        token_sha256=token_sha256(token),
        versions_url=command.versions_url,
        ocpi_version=command.ocpi_version,
        endpoints=command.endpoints,
        exchanged_at=now,
    )
