"""Publishing and assigning tariffs. Pure: time comes in as an argument."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evroam_contracts.tariff import TariffAssigned, TariffPublished


class TariffVersionNotFoundError(LookupError):
    """An assignment names a tariff version that was never published."""


@dataclass(frozen=True)
class TariffState:
    tariff_id: str
    versions: int = 0


def evolve(state: TariffState, event: TariffPublished) -> TariffState:
    return TariffState(state.tariff_id, max(state.versions, event.tariff_version))


def publish(state: TariffState, tariff: Mapping[str, Any], now: datetime) -> list[TariffPublished]:
    """A new immutable version; the previous ones stay as they were."""
    version = state.versions + 1
    return [
        TariffPublished(
            tariff_id=state.tariff_id,
            tariff_version=version,
            tariff={**tariff, "last_updated": now.strftime("%Y-%m-%dT%H:%M:%SZ")},
            published_at=now,
        )
    ]


def assign(
    state: TariffState,
    location_id: str,
    version: int | None,
    effective_from: datetime,
) -> list[TariffAssigned]:
    chosen = version or state.versions
    if chosen < 1 or chosen > state.versions:
        raise TariffVersionNotFoundError(f"tariff {state.tariff_id} has no version {chosen}")
    return [
        TariffAssigned(
            location_id=location_id,
            tariff_id=state.tariff_id,
            tariff_version=chosen,
            effective_from=effective_from,
        )
    ]


def fold(tariff_id: str, events: Sequence[TariffPublished]) -> TariffState:
    state = TariffState(tariff_id)
    for e in events:
        state = evolve(state, e)
    return state
