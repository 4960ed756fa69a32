"""Objects partner CPOs send us as their eMSP (OCPI 2.2.1 sections 3.1-3.4, Receiver
interfaces): what identifies one, and what becomes of a new copy of it. Pure: objects are
OCPI JSON as plain data (DateTimes as `Z` strings, numbers as Decimal), time comes in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from evroam_contracts.ocpi_json import parse_datetime
from evroam_roaming.domain.partners import Party

Module = Literal["locations", "sessions", "cdrs", "tariffs"]
MODULES: tuple[Module, ...] = ("locations", "sessions", "cdrs", "tariffs")
OcpiData = dict[str, Any]


class ObjectNotFoundError(LookupError):
    """A PATCH, a DELETE, or a PUT of an EVSE or connector, for an object we never received
    (OCPI 2.2.1 section 1.3: the sender should then PUT the whole object)."""


class CdrAlreadyReceivedError(Exception):
    """A CDR never changes (section 3.3): another CDR under an id received before is refused;
    a correction is a credit CDR plus a new CDR, each with its own id."""


class NotOurTokenError(ValueError):
    """A CPO sends a Session or a CDR to the eMSP of its token (sections 3.2, 3.3): one whose
    `cdr_token` belongs to another eMSP is not ours to hold, and billing would invoice our
    drivers for it (docs/adr/0024-emsp-receivers-accept-only-cpos.md)."""


@dataclass(frozen=True)
class ObjectKey:
    """An object of a module, keyed within its owner (section 1.3). Every part is a CiString,
    so the key is upper case; the object keeps the spelling it was sent in."""

    module: Module
    owner: Party
    id: str

    @classmethod
    def of(cls, module: Module, country_code: str, party_id: str, id_: str) -> ObjectKey:
        return cls(module, Party.of(country_code, party_id), id_.upper())


def object_stream(key: ObjectKey) -> str:
    return f"emsp-{key.module}-{key.owner.country_code}-{key.owner.party_id}-{key.id}"


@dataclass(frozen=True)
class Held:
    """What we keep of an object: its OCPI data, and the version of its stream."""

    object: OcpiData
    version: int
    deleted: bool = False

    @property
    def last_updated(self) -> datetime:
        return last_updated_of(self.object)


class Receipt(Enum):
    """What became of a copy of an object."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the very same object again: nothing to record
    STALE = "stale"  # older than what we hold: ignored (see `judge`)
    DELETED = "deleted"

    @property
    def recorded(self) -> bool:
        return self in (Receipt.CREATED, Receipt.UPDATED, Receipt.DELETED)


def last_updated_of(data: Mapping[str, Any]) -> datetime:
    return parse_datetime(str(data["last_updated"]))


def newer(a: str, b: str) -> str:
    """The later of two OCPI DateTimes, as written."""
    return a if parse_datetime(a) >= parse_datetime(b) else b


def judge(held: Held | None, new: Mapping[str, Any]) -> Receipt:
    """Take a whole object after a PUT or a PATCH.

    An object whose `last_updated` is older than the one we hold is ignored: pushes are not
    queued or retried in order (section 1.10), so a late copy must not undo a newer one. The
    same `last_updated` with other content is taken (the CPO corrected itself without moving
    the timestamp); the identical object again records nothing. A deleted tariff comes back
    only with a `last_updated` after the one it was deleted with (DELETE carries none).
    """
    if held is None:
        return Receipt.CREATED
    at = last_updated_of(new)
    if held.deleted:
        return Receipt.CREATED if at > held.last_updated else Receipt.STALE
    if at < held.last_updated:
        return Receipt.STALE
    return Receipt.UNCHANGED if dict(new) == held.object else Receipt.UPDATED


def merge(
    held: Mapping[str, Any], patch: Mapping[str, Any], keyed: Mapping[str, str] | None = None
) -> OcpiData:
    """A PATCH over an object (section 1.3): the fields it carries replace the held ones, the
    rest stay, so a PATCH cannot delete. Lists of addressable children (`keyed`: field ->
    the child's id field, e.g. EVSEs by `uid`) are merged child by child for the same reason."""
    merged = dict(held)
    for name, value in patch.items():
        id_field = (keyed or {}).get(name)
        if id_field is not None and isinstance(value, list):
            merged[name] = merge_children(held.get(name) or [], value, id_field)
        else:
            merged[name] = value
    return merged


def merge_children(held: list[Any], sent: list[Any], id_field: str) -> list[Any]:
    """Children sent replace those with the same id (a CiString: any case); new ones follow.
    A child without an id is kept as sent, for validation to refuse it."""
    sent_by_id: dict[str, Any] = {}
    unnamed = []
    for child in sent:
        if isinstance(child, Mapping) and id_field in child:
            sent_by_id[str(child[id_field]).upper()] = child
        else:
            unnamed.append(child)
    merged = [sent_by_id.pop(str(c[id_field]).upper(), c) for c in held]
    return [*merged, *sent_by_id.values(), *unnamed]


def patch_session(held: Mapping[str, Any], patch: Mapping[str, Any]) -> OcpiData | None:
    """Section 3.2: the PATCH's `charging_periods` are appended to the stored ones (absent or
    empty: untouched); the rest merges as any PATCH. None: older than the session we hold."""
    if last_updated_of(patch) < last_updated_of(held):
        return None
    periods = patch.get("charging_periods") or []
    merged = merge(held, {k: v for k, v in patch.items() if k != "charging_periods"})
    if periods:
        merged["charging_periods"] = [*(held.get("charging_periods") or []), *periods]
    return merged


def check_our_token(data: Mapping[str, Any], ours: frozenset[Party], what: str) -> None:
    """Raise NotOurTokenError unless the `cdr_token` of a (validated) Session or CDR is owned by
    one of our eMSP parties (CiStrings: compared upper case)."""
    token = data["cdr_token"]
    owner = Party.of(str(token["country_code"]), str(token["party_id"]))
    if owner not in ours:
        names = ", ".join(sorted(f"{p.country_code}*{p.party_id}" for p in ours))
        raise NotOurTokenError(
            f"the {what}'s cdr_token belongs to {owner.country_code}*{owner.party_id}, not to"
            f" an eMSP party of ours ({names}): send it to that token's eMSP"
        )
