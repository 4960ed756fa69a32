"""Which tariff version applies to a session: the one rule, shared by the tariff service (price
previews) and the session service (the version locked at session start). Pure.

An assignment names a location and optionally narrows it to an EVSE, a connector of that EVSE,
a tariff type and an eMSP party. At a moment `at`, the candidates are the assignments that are
effective (`effective_from <= at`), whose tariff is not retired at `at`, and whose every
narrowing matches the session. The winner is the most specific candidate (connector, then EVSE,
then eMSP party, then tariff type), and among equally specific ones the latest
`effective_from`, then the latest recorded (`sequence`). So the answer is always one version
or none, never a tie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Assignment:
    tariff_id: str
    version: int
    effective_from: datetime
    location_id: str
    sequence: int
    evse_uid: str | None = None
    connector_id: str | None = None
    tariff_type: str | None = None
    emsp: tuple[str, str] | None = None  # (country_code, party_id), upper case


@dataclass(frozen=True)
class SessionScope:
    """Where and for whom a session runs (or would run, for a preview)."""

    location_id: str
    evse_uid: str | None = None
    connector_id: str | None = None
    tariff_type: str = "REGULAR"
    emsp: tuple[str, str] | None = None


def _matches(a: Assignment, s: SessionScope) -> bool:
    return (
        a.location_id == s.location_id
        and (a.evse_uid is None or a.evse_uid == s.evse_uid)
        and (
            a.connector_id is None
            or (a.evse_uid == s.evse_uid and a.connector_id == s.connector_id)
        )
        and (a.tariff_type is None or a.tariff_type == s.tariff_type)
        and (a.emsp is None or a.emsp == s.emsp)
    )


def _rank(a: Assignment) -> tuple[bool, bool, bool, bool, datetime, int]:
    return (
        a.connector_id is not None,
        a.evse_uid is not None,
        a.emsp is not None,
        a.tariff_type is not None,
        a.effective_from,
        a.sequence,
    )


def resolve(
    assignments: Iterable[Assignment],
    retired: Mapping[str, datetime],
    scope: SessionScope,
    at: datetime,
) -> Assignment | None:
    """The assignment in force for `scope` at `at`, or None when no tariff applies.

    `retired` maps a tariff id to the moment from which it no longer applies.
    """
    candidates = [
        a
        for a in assignments
        if a.effective_from <= at
        and (a.tariff_id not in retired or at < retired[a.tariff_id])
        and _matches(a, scope)
    ]
    return max(candidates, key=_rank, default=None)


def assignment_from_row(row: Sequence[Any]) -> Assignment:
    """From (tariff_id, version, effective_from, location_id, sequence, evse_uid, connector_id,
    tariff_type, emsp_country_code, emsp_party_id), the column order both services store."""
    return Assignment(
        tariff_id=row[0],
        version=row[1],
        effective_from=row[2],
        location_id=row[3],
        sequence=row[4],
        evse_uid=row[5],
        connector_id=row[6],
        tariff_type=row[7],
        emsp=(row[8], row[9]) if row[8] and row[9] else None,
    )


def assignment_sequence(recorded_at: datetime) -> int:
    """The tie-break between equally specific assignments: when the assignment was recorded,
    in microseconds. Every service derives it from the same event data, so all agree."""
    return int(recorded_at.timestamp() * 1_000_000)


def emsp_of_contract(contract_id: str) -> tuple[str, str] | None:
    """The eMSP party of an eMI3 contract id (`DE-ABC-C12345678-X` or `DEABCC12345678X`)."""
    compact = contract_id.replace("-", "").replace("*", "").upper()
    if len(compact) < 5 or not compact[:5].isalnum():
        return None
    return compact[:2], compact[2:5]
