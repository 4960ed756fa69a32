"""Who is calling: the credentials token in `Authorization: Token <...>` (OCPI 2.2.1
section 1.2) identifies the partner platform. Missing or unknown token: HTTP 401."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Header

from evroam_roaming.domain.partners import Partner, is_credentials_token, token_sha256
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode

log = logging.getLogger(__name__)
UNAUTHORIZED = 401
_CHALLENGE = {"WWW-Authenticate": "Token"}


class PartnerDirectory(Protocol):
    async def by_token_sha256(self, hashes: Sequence[str]) -> list[Partner]: ...


@dataclass(frozen=True)
class Caller:
    """An authenticated request: the partner, and the token it presented (never logged)."""

    partner: Partner
    token: str = field(repr=False)


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

    async def dependency(authorization: Annotated[str | None, Header()] = None) -> Caller:
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
        return Caller(partner=partner, token=by_hash[partner.token_sha256])

    return dependency
