"""Append and load streams. (stream id, stream version) is the primary key, so an append with
an expected version is an optimistic concurrency check; appends are serialised with a
transaction-scoped advisory lock so that positions commit in order and the relay can never
skip an event (ARCHITECTURE section 4)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from opentelemetry import propagate
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random

from evroam_contracts import Envelope, Message
from evroam_contracts.ids import new_id

APPEND_LOCK = 0x65766E74  # "evnt": one per database, serialises appends
NOTIFY_CHANNEL = "evroam_events"

T = TypeVar("T")


class ConcurrencyError(RuntimeError):
    """The stream moved on since it was loaded: retry the whole command."""


class DuplicateEventError(ValueError):
    """An event with this id was appended before (a replayed command, not a race)."""


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended, with the metadata it will carry for ever."""

    type: str
    version: int
    payload: Mapping[str, Any]
    event_id: uuid.UUID = field(default_factory=new_id)
    correlation_id: str | None = None
    causation_id: str | None = None
    trace: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        message: Message,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> NewEvent:
        """Wrap a contract message, capturing the current trace context."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return cls(
            type=message.type_name,
            version=message.version,
            payload=message.to_json_dict(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            trace=carrier,
        )


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    stream_id: str
    stream_version: int
    event_id: uuid.UUID
    type: str
    version: int
    payload: Mapping[str, Any]
    metadata: Mapping[str, Any]
    recorded_at: datetime

    @property
    def correlation_id(self) -> str | None:
        value = self.metadata.get("correlation_id")
        return str(value) if value else None

    def to_envelope(self, source: str) -> Envelope:
        return Envelope(
            event_id=self.event_id,
            type=self.type,
            version=self.version,
            source=source,
            time=self.recorded_at,
            stream_id=self.stream_id,
            stream_version=self.stream_version,
            payload=self.payload,
            correlation_id=self.correlation_id,
            causation_id=self.metadata.get("causation_id"),
            trace=self.metadata.get("trace", {}),
        )


_COLUMNS = (
    "position, stream_id, stream_version, event_id, type, version, payload, metadata, recorded_at"
)


def _row(r: Mapping[str, Any]) -> RecordedEvent:
    return RecordedEvent(**r)


class EventStore:
    """One service's log. Methods take the connection so that callers own the transaction."""

    async def load(self, conn: AsyncConnection, stream_id: str) -> list[RecordedEvent]:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT {_COLUMNS} FROM events WHERE stream_id = %s ORDER BY stream_version",
                (stream_id,),
            )
            return [_row(r) for r in await cur.fetchall()]

    async def append(
        self,
        conn: AsyncConnection,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[NewEvent],
    ) -> list[RecordedEvent]:
        """Append after `expected_version` (0 for a new stream) inside the caller's transaction.

        `None` appends at the stream's end whatever its version: for events that record a fact
        without deciding on the stream's state (a registration, a station message), so there
        is nothing to conflict on and nothing to retry.
        """
        if not events:
            return []
        now = datetime.now(UTC)
        try:
            async with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                await cur.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
                # Under the lock no other append runs, so this read cannot go stale.
                current = await self.version(conn, stream_id)
                if expected_version is not None and current != expected_version:
                    raise ConcurrencyError(
                        f"stream {stream_id} is at version {current}, not {expected_version}"
                    )
                recorded = []
                for n, e in enumerate(events, start=current + 1):
                    await cur.execute(
                        "INSERT INTO events (stream_id, stream_version, event_id, type, version,"
                        " payload, metadata, recorded_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)"
                        f" RETURNING {_COLUMNS}",
                        (
                            stream_id,
                            n,
                            e.event_id,
                            e.type,
                            e.version,
                            json.dumps(e.payload),
                            json.dumps(_metadata(e)),
                            now,
                        ),
                    )
                    fetched = await cur.fetchone()
                    assert fetched is not None
                    recorded.append(_row(fetched))
                await cur.execute("SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))
        except psycopg.errors.UniqueViolation as exc:
            if "event_id" in str(exc):
                raise DuplicateEventError("an event id in this append exists already") from exc
            raise ConcurrencyError(
                f"stream {stream_id} is past version {expected_version}"
            ) from exc
        return recorded

    async def read_after(
        self,
        conn: AsyncConnection,
        position: int,
        limit: int = 500,
        up_to: int | None = None,
    ) -> list[RecordedEvent]:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT {_COLUMNS} FROM events WHERE position > %s AND position <= %s"
                " ORDER BY position LIMIT %s",
                (position, up_to if up_to is not None else 2**62, limit),
            )
            return [_row(r) for r in await cur.fetchall()]

    async def version(self, conn: AsyncConnection, stream_id: str) -> int:
        """The stream's current version (0 when it does not exist), without loading it."""
        cur = await conn.execute(
            "SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = %s",
            (stream_id,),
        )
        row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def head(self, conn: AsyncConnection) -> int:
        cur = await conn.execute("SELECT coalesce(max(position), 0) FROM events")
        row = await cur.fetchone()
        return int(row[0]) if row else 0


def _metadata(e: NewEvent) -> dict[str, Any]:
    meta: dict[str, Any] = {"trace": dict(e.trace)}
    if e.correlation_id:
        meta["correlation_id"] = e.correlation_id
    if e.causation_id:
        meta["causation_id"] = e.causation_id
    return meta


async def retry_on_conflict(command: Callable[[], Awaitable[T]], attempts: int = 5) -> T:
    """Run a whole command again (load, decide, append) when the stream moved on."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(ConcurrencyError),
        stop=stop_after_attempt(attempts),
        wait=wait_random(0, 0.05),
        reraise=True,
    ):
        with attempt:
            return await command()
    raise AssertionError("unreachable")
