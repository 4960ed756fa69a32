"""Objects partner CPOs send us as their eMSP, pushed or pulled (OCPI 2.2.1 sections 3.1-3.4):
read the object as we hold it (row locked), decide, then append the change's event with the
stream's expected version and write the row, in one transaction; the whole command is
retried when the stream moved on (two copies of a new object racing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from psycopg_pool import AsyncConnectionPool

from evroam_contracts.base import Event
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict
from evroam_roaming.adapters import emsp_objects
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.received import (
    Held,
    ObjectKey,
    ObjectNotFoundError,
    OcpiData,
    Receipt,
    judge,
    object_stream,
)

# The held object (None: never received) -> the whole object after the change, or None when
# the change is older than what it addresses. May raise ObjectNotFoundError (a PATCH of an
# object never received) or InvalidObjectError (the object after the change is invalid).
Change = Callable[[Held | None], OcpiData | None]
EventOf = Callable[[OcpiData, datetime], Event]


def _now() -> datetime:
    return datetime.now(UTC)


class ObjectReceiver:
    def __init__(self, pool: AsyncConnectionPool, clock: Callable[[], datetime] = _now) -> None:
        self._pool, self._clock = pool, clock

    async def time_zone_of(self, owner: Party, location_id: str) -> str | None:
        async with self._pool.connection() as conn:
            return await emsp_objects.time_zone_of(conn, owner, location_id)

    async def change(
        self, partner_id: str, key: ObjectKey, change: Change, event_of: EventOf
    ) -> Receipt:
        async def attempt() -> Receipt:
            async with self._pool.connection() as conn, conn.transaction():
                found = await emsp_objects.held(conn, key)
                after = change(found)
                receipt = Receipt.STALE if after is None else judge(found, after)
                if after is None or not receipt.recorded:
                    return receipt
                now = self._clock()
                version = found.version if found else 0
                event = NewEvent.of(event_of(after, now))
                await EventStore().append(conn, object_stream(key), version, [event])
                await emsp_objects.save(conn, key, partner_id, after, version + 1, now)
            return receipt

        return await retry_on_conflict(attempt)

    async def delete(
        self, partner_id: str, key: ObjectKey, event: Callable[[Held, datetime], Event]
    ) -> Receipt:
        """The object stays, marked deleted, so that a late older copy does not restore it."""

        async def attempt() -> Receipt:
            async with self._pool.connection() as conn, conn.transaction():
                found = await emsp_objects.held(conn, key)
                if found is None or found.deleted:
                    raise ObjectNotFoundError(f"no {key.module} object {key.id}")
                now = self._clock()
                stream = object_stream(key)
                await EventStore().append(
                    conn, stream, found.version, [NewEvent.of(event(found, now))]
                )
                await emsp_objects.save(
                    conn, key, partner_id, found.object, found.version + 1, now, deleted=True
                )
            return Receipt.DELETED

        return await retry_on_conflict(attempt)
