"""Who is calling: the credentials token in `Authorization: Token <...>` (OCPI 2.2.1
section 1.2) identifies the partner platform. Missing or unknown token: HTTP 401.

Which party it speaks for: its own, unless it is a hub (role HUB) naming one of its CONNECTED
clients in `OCPI-from-country-code`/`OCPI-from-party-id` (section 1.5). A platform naming a
party it may not speak for is refused like an unknown token."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Header

from evroam_roaming.domain.partners import Partner, Party, is_credentials_token, token_sha256
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode

log = logging.getLogger(__name__)
UNAUTHORIZED = 401
_CHALLENGE = {"WWW-Authenticate": "Token"}


class PartnerDirectory(Protocol):
    async def by_token_sha256(self, hashes: Sequence[str]) -> list[Partner]: ...

    async def hub_client_connected(self, hub_partner_id: str, party: Party) -> bool: ...


@dataclass(frozen=True)
class Caller:
    """An authenticated request: the partner, the token it presented (never logged), and
    the party it speaks for (its own, or a hub's client)."""

    partner: Partner
    token: str = field(repr=False)
    speaks_for: Party | None = None

    @property
    def party(self) -> Party:
        return self.speaks_for or self.partner.party


def token_candidates(authorization: str | None) -> tuple[str, ...]:
    """The credentials tokens an Authorization header may mean: its value Base64-decoded (the
    2.2.1 rule) and as it is (2.1.1 and many 2.2 peers; the digest advises trying both)."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return ()
    decoded = _decode_base64(value)
    raw = value if is_credentials_token(value) else None
    return tuple(dict.fromkeys(t for t in (decoded, raw) if t is not None))


def _decode_base64(value: str) -> str | None:
    padded = value + "=" * (-len(value) % 4)  # some peers drop the padding
    try:
        text = base64.b64decode(padded, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    # The spec's own examples encoded a trailing newline (digest section 8.1); peers copied it.
    text = text.removesuffix("\n")
    return text if is_credentials_token(text) else None


def authenticate(directory: PartnerDirectory) -> Callable[..., Awaitable[Caller]]:
    """A FastAPI dependency that resolves the caller or ends the request with HTTP 401."""

    async def dependency(
        authorization: Annotated[str | None, Header()] = None,
        from_country_code: Annotated[str | None, Header(alias="OCPI-from-country-code")] = None,
        from_party_id: Annotated[str | None, Header(alias="OCPI-from-party-id")] = None,
    ) -> Caller:
        candidates = token_candidates(authorization)
        if not candidates:
            raise OcpiError(
                UNAUTHORIZED,
                StatusCode.CLIENT_ERROR,
                "Authorization header missing or not of the form 'Token <credentials token>'",
                _CHALLENGE,
            )
        by_hash = {token_sha256(t): t for t in candidates}
        matches = await directory.by_token_sha256(list(by_hash))
        if len(matches) != 1:
            log.warning("OCPI request with an unknown credentials token refused")
            raise OcpiError(
                UNAUTHORIZED, StatusCode.CLIENT_ERROR, "Unknown credentials token", _CHALLENGE
            )
        partner = matches[0]
        caller = Caller(partner=partner, token=by_hash[partner.token_sha256])
        if not (from_country_code and from_party_id):
            return caller
        party = Party.of(from_country_code, from_party_id)
        if party == partner.party:
            return caller
        if partner.role == "HUB" and await directory.hub_client_connected(
            partner.partner_id, party
        ):
            return Caller(partner=partner, token=caller.token, speaks_for=party)
        log.warning("OCPI request speaking for a party its platform may not speak for")
        raise OcpiError(
            UNAUTHORIZED,
            StatusCode.CLIENT_ERROR,
            f"this token may not speak for {party.country_code}*{party.party_id}"
            " (OCPI-from-country-code/OCPI-from-party-id)",
            _CHALLENGE,
        )

    return dependency
