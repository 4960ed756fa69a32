"""Tokens an eMSP partner pushes to our Tokens Receiver (OCPI 2.2.1 section 3.5, we are the
CPO). One stream per token; pure: the partner, the token and time come in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from evroam_contracts.roaming import TokenReceived
from evroam_contracts.shared import OcpiToken, TokenType
from evroam_roaming.domain.partners import Party


@dataclass(frozen=True)
class TokenKey:
    """What identifies a token (section 3.5: keyed by uid and type within its owner). Every
    part is a CiString, so the key is upper case; the token keeps the spelling it was sent in."""

    owner: Party
    uid: str
    type: TokenType

    @classmethod
    def of(cls, country_code: str, party_id: str, uid: str, type_: TokenType) -> TokenKey:
        return cls(Party.of(country_code, party_id), uid.upper(), type_)

    @classmethod
    def of_token(cls, token: OcpiToken) -> TokenKey:
        return cls.of(token.country_code, token.party_id, token.uid, token.type)


def token_stream(key: TokenKey) -> str:
    return f"token-{key.owner.country_code}-{key.owner.party_id}-{key.type}-{key.uid}"


@dataclass(frozen=True)
class TokenState:
    token: OcpiToken | None = None


class Receipt(Enum):
    """What became of a pushed token."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the very same token again: nothing to record
    STALE = "stale"  # older than what we hold: ignored (see `receive`)


def evolve(state: TokenState, event: TokenReceived) -> TokenState:
    return TokenState(token=event.token)


def fold(events: Iterable[TokenReceived]) -> TokenState:
    state = TokenState()
    for event in events:
        state = evolve(state, event)
    return state


def receive(
    token: OcpiToken, state: TokenState, *, partner_id: str, now: datetime
) -> tuple[Receipt, list[TokenReceived]]:
    """Take the whole token after a PUT or PATCH.

    A token whose `last_updated` is older than the one we hold is ignored: pushes are not
    queued or retried in order (section 1.10), so an older copy arriving late must not undo
    a newer one. Equal `last_updated` with other content is taken (the eMSP corrected itself
    without touching the timestamp); the identical token again records nothing.
    """
    held = state.token
    if held is not None and token.last_updated < held.last_updated:
        return Receipt.STALE, []
    if held == token:
        return Receipt.UNCHANGED, []
    event = TokenReceived(partner_id=partner_id, token=token, received_at=now)
    return (Receipt.CREATED if held is None else Receipt.UPDATED), [event]
