"""Tokens module objects as partners write them (OCPI 2.2.1 section 3.5): validated at the
edge into our contract's OcpiToken, with the OCPI DateTime rules (section 1.9)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, get_args

from pydantic import ConfigDict, StrictBool, ValidationError, field_validator

from evroam_contracts.ocpi_json import InvalidDateTimeError, parse_datetime, render_json
from evroam_contracts.shared import OcpiToken, TokenType
from evroam_roaming.domain.tokens import Receipt, TokenKey
from evroam_roaming.ocpi.types import reasons

TOKEN_TYPES: tuple[str, ...] = get_args(TokenType)
# CiStrings (section 1.9): printable ASCII only.
_CI_STRINGS = ("country_code", "party_id", "uid", "contract_id", "group_id")
KEY_FIELDS = ("country_code", "party_id", "uid", "type")


class InvalidTokenError(ValueError):
    """A body that is no (partial) OCPI Token; the message says why (OCPI status 2001)."""


class _TokenIn(OcpiToken):
    # Unknown fields are dropped at the edge rather than carried into our log.
    model_config = ConfigDict(frozen=True, extra="ignore")
    valid: StrictBool

    @field_validator("last_updated", mode="before")
    @classmethod
    def _ocpi_datetime(cls, value: object) -> datetime:
        if not isinstance(value, str):
            raise ValueError("must be an OCPI DateTime string")
        try:
            return parse_datetime(value)
        except InvalidDateTimeError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator(*_CI_STRINGS)
    @classmethod
    def _ci_string(cls, value: str | None) -> str | None:
        if value is not None and not all(" " <= c <= "~" for c in value):
            raise ValueError("must be printable ASCII (CiString)")
        return value


TOKEN_FIELDS = frozenset(_TokenIn.model_fields)


def parse_token(data: object) -> OcpiToken:
    """A whole Token (PUT body, or a stored token with a PATCH applied)."""
    if not isinstance(data, Mapping):
        raise InvalidTokenError("a Token must be a JSON object")
    try:
        parsed = _TokenIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidTokenError(reasons(exc)) from exc
    return OcpiToken.model_validate(parsed.model_dump())


def check_patch(data: object) -> dict[str, Any]:
    """A PATCH body (section 1.3): an object of Token fields including `last_updated`; a PATCH
    cannot delete, so no field may be null. The merged token is validated as a whole."""
    if not isinstance(data, Mapping):
        raise InvalidTokenError("a Token PATCH must be a JSON object")
    if "last_updated" not in data:
        raise InvalidTokenError("missing required field: last_updated")
    unknown = sorted(set(data) - TOKEN_FIELDS)
    if unknown:
        raise InvalidTokenError(f"not Token fields: {', '.join(unknown)}")
    nulls = sorted(k for k, v in data.items() if v is None)
    if nulls:
        raise InvalidTokenError(f"a PATCH cannot remove fields (null): {', '.join(nulls)}")
    return dict(data)


def patched(stored: OcpiToken, patch: Mapping[str, Any]) -> OcpiToken:
    """The stored token with the PATCH's fields over it, validated as a whole."""
    return parse_token({**token_json(stored), **patch})


def token_json(token: OcpiToken) -> dict[str, Any]:
    """The token as OCPI JSON (DateTime in the `Z` form), absent optional fields left out."""
    loaded: dict[str, Any] = json.loads(render_json(token.model_dump(exclude_none=True)))
    return loaded


class TokenStore(Protocol):
    """The Tokens Receiver's storage: reads from the projection, changes through the log."""

    async def get(self, key: TokenKey) -> OcpiToken | None: ...

    async def put(self, partner_id: str, token: OcpiToken) -> Receipt: ...

    async def patch(self, partner_id: str, key: TokenKey, patch: Mapping[str, Any]) -> Receipt: ...
