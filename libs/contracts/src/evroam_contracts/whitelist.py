"""What a presented token uid means, and when a token may be decided without its eMSP: the
rules the authorization service and the gateway's offline cache must agree on (OCPI 2.2.1
tokens module, WhitelistType; ADR 0011). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

# WhitelistType values that let a CPO decide locally when the eMSP cannot be asked.
OFFLINE_WHITELISTS = frozenset({"ALWAYS", "ALLOWED", "ALLOWED_OFFLINE"})


class AmbiguousUidError(LookupError):
    """The same uid was issued by several parties: a station only sees the uid, and guessing
    would charge the wrong party's driver."""


class KeyedToken(Protocol):
    @property
    def country_code(self) -> str: ...
    @property
    def party_id(self) -> str: ...
    @property
    def type(self) -> str: ...


T = TypeVar("T", bound=KeyedToken)


def token_for_uid(candidates: Sequence[T]) -> T | None:
    """The token a presented uid stands for among the tokens with that uid: None when there is
    none; AmbiguousUidError when several parties issued it. One party's RFID token speaks for a
    uid it shares with its app tokens, since a station reads cards."""
    if not candidates:
        return None
    parties = sorted({f"{t.country_code}*{t.party_id}" for t in candidates})
    if len(parties) > 1:
        raise AmbiguousUidError(f"token uid is ambiguous across issuers ({', '.join(parties)})")
    return min(candidates, key=lambda t: (t.type != "RFID", t.type))


def allows_offline(whitelist: str) -> bool:
    """Whether a valid token may be accepted without asking (NEVER must always be asked)."""
    return whitelist in OFFLINE_WHITELISTS
