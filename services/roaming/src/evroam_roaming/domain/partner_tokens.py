"""Token A once more (OCPI 2.2.1 section 2.3 step 1): an operator lets a partner register again
with a fresh token when the one it had is lost, leaked or void. Pure: ids, the token and time
come in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from evroam_contracts.roaming import PartnerRegistered, PartnerTokenReissued, Role
from evroam_roaming.domain.errors import (
    CredentialsAlreadyExchangedError,
    InvalidCredentialsTokenError,
    PartnerAlreadyRegisteredError,
)
from evroam_roaming.domain.partners import (
    PartnerState,
    Party,
    RegisterPartner,
    is_credentials_token,
    register,
    token_sha256,
)


@dataclass(frozen=True)
class IssueTokenA:
    """For partner `partner_id`, registered as `name` for this party in this role."""

    partner_id: str
    name: str
    country_code: str
    party_id: str
    role: Role


def issue_token_a(
    command: IssueTokenA,
    state: PartnerState,
    *,
    new_partner_id: str,
    token: str,
    now: datetime,
) -> list[PartnerRegistered] | list[PartnerTokenReissued]:
    """Still waiting for its handshake: the new token replaces the old one (same partner).
    Unregistered: the party is registered again, as a new partner, as an operator would with
    the same name and role. Connected: refused, since its token is C now and the partner
    rotates it itself (PUT credentials, section 2.4)."""
    party = Party.of(command.country_code, command.party_id)
    if state.partner_id is None:
        registration = RegisterPartner(
            command.name, party.country_code, party.party_id, command.role
        )
        return register(registration, state, partner_id=new_partner_id, token=token, now=now)
    if state.partner_id != command.partner_id:
        raise PartnerAlreadyRegisteredError(
            f"{party.country_code}*{party.party_id} is registered again, as partner"
            f" {state.partner_id}: issue its token instead"
        )
    if state.credentials_exchanged:
        raise CredentialsAlreadyExchangedError(
            f"partner {command.partner_id} completed the OCPI handshake: it rotates its token"
            " with PUT credentials (OCPI 2.2.1 section 2.4), or unregisters first"
        )
    if not is_credentials_token(token):
        raise InvalidCredentialsTokenError("credentials token is not 1-64 printable ASCII chars")
    return [
        PartnerTokenReissued(
            partner_id=command.partner_id,
            country_code=party.country_code,
            party_id=party.party_id,
            token_sha256=token_sha256(token),
            reissued_at=now,
        )
    ]
