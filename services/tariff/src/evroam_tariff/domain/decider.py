"""Publishing, assigning and retiring tariffs. Pure: time comes in as an argument.

A published version is immutable; a change is a new version. Assignments and retirements are
events of the tariff's own stream, so one append (with its expected version) decides against
everything the tariff has seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired

TariffEvent = TariffPublished | TariffAssigned | TariffRetired


class TariffVersionNotFoundError(LookupError):
    """An assignment names a tariff version that was never published."""


class TariffRetiredError(ValueError):
    """The tariff is retired: it can no longer be assigned or republished."""


class ConnectorWithoutEvseError(ValueError):
    """A connector was named without the EVSE it belongs to."""


@dataclass(frozen=True)
class AssignmentScope:
    location_id: str
    evse_uid: str | None = None
    connector_id: str | None = None
    emsp: tuple[str, str] | None = None


@dataclass(frozen=True)
class TariffState:
    tariff_id: str
    types: Mapping[int, str | None] = field(default_factory=dict)  # version -> OCPI Tariff.type
    retired_from: datetime | None = None

    @property
    def versions(self) -> int:
        return max(self.types, default=0)


def evolve(state: TariffState, event: TariffEvent) -> TariffState:
    if isinstance(event, TariffPublished):
        return replace(state, types={**state.types, event.tariff_version: event.tariff.get("type")})
    if isinstance(event, TariffRetired):
        return replace(state, retired_from=event.retired_from)
    return state


def fold(tariff_id: str, events: Sequence[TariffEvent]) -> TariffState:
    state = TariffState(tariff_id)
    for e in events:
        state = evolve(state, e)
    return state


def publish(state: TariffState, tariff: Mapping[str, Any], now: datetime) -> list[TariffEvent]:
    """A new immutable version; the previous ones stay as they were."""
    if state.retired_from is not None:
        raise TariffRetiredError(f"tariff {state.tariff_id} is retired")
    version = state.versions + 1
    stamped = {**tariff, "last_updated": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return [
        TariffPublished(
            tariff_id=state.tariff_id, tariff_version=version, tariff=stamped, published_at=now
        )
    ]


def assign(
    state: TariffState, scope: AssignmentScope, version: int | None, effective_from: datetime
) -> list[TariffEvent]:
    """Assign a version (the latest by default) to a scope, from `effective_from` on."""
    chosen = version or state.versions
    if chosen not in state.types:
        raise TariffVersionNotFoundError(f"tariff {state.tariff_id} has no version {chosen}")
    if state.retired_from is not None:
        raise TariffRetiredError(f"tariff {state.tariff_id} is retired")
    if scope.connector_id is not None and scope.evse_uid is None:
        raise ConnectorWithoutEvseError("a connector is assigned together with its EVSE")
    return [
        TariffAssigned(
            location_id=scope.location_id,
            tariff_id=state.tariff_id,
            tariff_version=chosen,
            effective_from=effective_from,
            evse_uid=scope.evse_uid,
            connector_id=scope.connector_id,
            tariff_type=state.types[chosen],
            emsp_country_code=scope.emsp[0] if scope.emsp else None,
            emsp_party_id=scope.emsp[1] if scope.emsp else None,
        )
    ]


def retire(state: TariffState, retired_from: datetime) -> list[TariffEvent]:
    if state.versions == 0:
        raise TariffVersionNotFoundError(f"tariff {state.tariff_id} was never published")
    if state.retired_from is not None:
        return []  # already retired: retiring again changes nothing
    return [TariffRetired(tariff_id=state.tariff_id, retired_from=retired_from)]
