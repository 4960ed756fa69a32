"""The catalogue: every wire type with its current version, and the upcasters that lift old
payloads to it. Decoding an event from a year ago goes through here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from evroam_contracts import authorization, billing, cdr, gateway, roaming, session, tariff
from evroam_contracts.base import Message

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_MODULES = (gateway, authorization, tariff, session, cdr, roaming, billing)
MESSAGES: tuple[type[Message], ...] = tuple(
    cls for m in _MODULES for cls in (*m.EVENTS, *getattr(m, "COMMANDS", ()))
)
CATALOGUE: Mapping[str, type[Message]] = {cls.type_name: cls for cls in MESSAGES}

# (type, from_version) -> function returning the payload at from_version + 1.
UPCASTERS: Mapping[tuple[str, int], Upcaster] = {}


class UnknownEventTypeError(LookupError):
    """A message type (or a version newer than ours) that this catalogue does not know."""


def model_for(type_name: str) -> type[Message]:
    try:
        return CATALOGUE[type_name]
    except KeyError:
        raise UnknownEventTypeError(f"unknown message type {type_name!r}") from None


def decode_payload(type_name: str, version: int, payload: Mapping[str, Any]) -> Message:
    """Validate a payload as the current version of its type, upcasting older versions."""
    model = model_for(type_name)
    if version > model.version:
        raise UnknownEventTypeError(
            f"{type_name} v{version} is newer than this catalogue's v{model.version}"
        )
    data = dict(payload)
    for v in range(version, model.version):
        data = UPCASTERS[(type_name, v)](data)
    return model.model_validate(data)


def _check_unique() -> None:
    if len(CATALOGUE) != len(MESSAGES):
        names = [m.type_name for m in MESSAGES]
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise RuntimeError(f"duplicate wire types in the catalogue: {dupes}")


_check_unique()
