"""What station messages do, independent of the OCPP version: look up the registry, ask the
authorization service, and append normalized events. Every method returns only after its
event is durable in the gateway's store, so a station is never told "ok" for something lost,
and each goes through the call ledger, so a message sent twice has one effect.

Transactions live in `transactions.py`; this module holds the station-level messages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Message
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.gateway import (
    Evse,
    StationBooted,
    StationConnected,
    StationDisconnected,
    StationNotified,
    StationStatusChanged,
)
from evroam_contracts.ids import new_id
from evroam_eventstore import EventStore, NewEvent
from evroam_gateway.domain.connectors import ConnectorRef, UnknownEvseError, resolve
from evroam_gateway.handlers.authorization import Authorization
from evroam_gateway.handlers.call_ledger import CallLedger

log = logging.getLogger(__name__)
PENDING_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RegisteredStation:
    station_id: str
    evses: tuple[Evse, ...]
    location: dict[str, Any]


class StationTraffic:
    def __init__(
        self, pool: AsyncConnectionPool, authorization: Authorization, replica: str
    ) -> None:
        self.pool, self._authorization, self.replica = pool, authorization, replica
        self.store = EventStore()
        self.ledger = CallLedger(pool)
        # (station, id tag) -> (charging session id, its traceparent, expiry): an Authorize and
        # the transaction that follows it are one charging session: one correlation id, one trace.
        self._pending: dict[tuple[str, str], tuple[str, str | None, datetime]] = {}

    async def station(self, station_id: str) -> RegisteredStation | None:
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT s.evses, l.location FROM view_stations_v1 s JOIN view_locations_v1 l"
                " USING (location_id) WHERE s.station_id = %s",
                (station_id,),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        evses = tuple(Evse.model_validate(e) for e in row["evses"])
        return RegisteredStation(station_id, evses, row["location"])

    async def station_known(self, station_id: str) -> bool:
        return await self.station(station_id) is not None

    async def append(
        self,
        conn: AsyncConnection,
        stream: str,
        events: Sequence[Message],
        correlation_id: str | None = None,
    ) -> None:
        new = [NewEvent.of(e, correlation_id=correlation_id) for e in events]
        await self.store.append(conn, stream, None, new)

    async def _record(self, station_id: str, action: str, *events: Message) -> None:
        """Append a message's station-level events, once per message."""

        async def work(conn: AsyncConnection) -> dict[str, Any]:
            await self.append(conn, f"station-{station_id}", events)
            return {}

        await self.ledger.once(station_id, action, (), work)

    async def connected(
        self, station_id: str, version: str, profile: int, replica_url: str
    ) -> None:
        """The socket is open: record it, and note which replica holds it for commands."""
        now = datetime.now(UTC)
        event = StationConnected(
            station_id=station_id,
            ocpp_version=version,
            security_profile=profile,
            replica=self.replica,
            connected_at=now,
        )
        async with self.pool.connection() as conn, conn.transaction():
            await self.append(conn, f"station-{station_id}", [event])
            await conn.execute(
                "INSERT INTO station_connections VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (station_id) DO UPDATE SET replica = excluded.replica,"
                " replica_url = excluded.replica_url, ocpp_version = excluded.ocpp_version,"
                " connected_at = excluded.connected_at",
                (station_id, self.replica, replica_url, version, now),
            )

    async def disconnected(self, station_id: str, close_code: int | None) -> None:
        event = StationDisconnected(
            station_id=station_id,
            replica=self.replica,
            close_code=close_code,
            disconnected_at=datetime.now(UTC),
        )
        async with self.pool.connection() as conn, conn.transaction():
            await self.append(conn, f"station-{station_id}", [event])
            await conn.execute(
                "DELETE FROM station_connections WHERE station_id = %s AND replica = %s",
                (station_id, self.replica),
            )

    async def forget_connections(self) -> None:
        """At start this replica holds no socket, whatever a crash left behind."""
        async with self.pool.connection() as conn:
            await conn.execute(
                "DELETE FROM station_connections WHERE replica = %s", (self.replica,)
            )

    async def boot(
        self, station_id: str, ocpp_version: str, info: BootInfo, unknown_status: str
    ) -> str:
        """Accepted for a registered station; `unknown_status` (Pending or Rejected) else."""
        status = "Accepted" if await self.station_known(station_id) else unknown_status
        event = StationBooted(
            station_id=station_id,
            ocpp_version=ocpp_version,
            vendor=info.vendor,
            model=info.model,
            serial_number=info.serial_number,
            firmware_version=info.firmware_version,
            registration_status=status,
            received_at=datetime.now(UTC),
            boot_reason=info.reason,
        )
        await self._record(station_id, "BootNotification", event)
        return status

    async def status_changed(
        self,
        station_id: str,
        where: ConnectorRef,
        status: str,
        error_code: str | None,
        station_time: datetime | None,
    ) -> None:
        event = await self.status_event(station_id, where, status, error_code, station_time)
        await self._record(station_id, "StatusNotification", event)

    async def status_event(
        self,
        station_id: str,
        where: ConnectorRef,
        status: str,
        error_code: str | None,
        station_time: datetime | None,
    ) -> StationStatusChanged:
        """A connector's (or, for connector/EVSE 0, the station's) status. A connector the
        registry does not know is still recorded, without its EVSE: nothing is dropped."""
        evse_uid, ocpp_connector_id = None, where.ocpp_connector_id or 0
        station = await self.station(station_id)
        if station is not None and not where.station_wide:
            try:
                evse, connector = resolve(station.evses, where)
                evse_uid, ocpp_connector_id = evse.evse_uid, connector.ocpp_connector_id
            except UnknownEvseError:
                log.warning("%s reported status of unknown %s", station_id, where)
        return StationStatusChanged(
            station_id=station_id,
            ocpp_connector_id=ocpp_connector_id,
            evse_uid=evse_uid,
            ocpp_evse_id=where.evse_id,
            status=status,
            error_code=error_code,
            station_time=station_time,
            received_at=datetime.now(UTC),
        )

    async def notified(
        self,
        station_id: str,
        ocpp_version: str,
        action: str,
        detail: dict[str, Any],
        also: Sequence[Message] = (),
    ) -> None:
        """A reporting message, with what it implies (`also`), recorded once."""
        event = StationNotified(
            station_id=station_id,
            ocpp_version=ocpp_version,
            action=action,
            detail=detail,
            received_at=datetime.now(UTC),
        )
        await self._record(station_id, action, event, *also)

    def open_session(self, station_id: str, id_tag: str, traceparent: str | None) -> str:
        """An Authorize opens a charging session; the transaction that follows joins it."""
        now = datetime.now(UTC)
        self._pending = {k: v for k, v in self._pending.items() if v[2] > now}
        session_id = str(new_id())
        self._pending[(station_id, id_tag)] = (session_id, traceparent, now + PENDING_TTL)
        return session_id

    def pending_trace(self, station_id: str, id_tag: str | None) -> str | None:
        """The trace an earlier Authorize of `id_tag` began, for the start that follows."""
        pending = self._pending.get((station_id, id_tag)) if id_tag else None
        return pending[1] if pending else None

    def join_session(self, station_id: str, id_tag: str | None) -> tuple[str, str | None]:
        """The session (and trace) an earlier Authorize opened, or a new one."""
        pending = self._pending.pop((station_id, id_tag), None) if id_tag else None
        return (pending[0], pending[1]) if pending else (str(new_id()), None)

    async def authorize(
        self, station_id: str, id_tag: str, charging_session_id: str
    ) -> dict[str, Any]:
        """The decision on an Authorize of `id_tag` at this station's location; a repeated
        Authorize message gets the same decision without asking again."""
        stored = await self.ledger.answered(station_id, ())
        if stored is not None:
            return stored
        station = await self.station(station_id)
        location_id = station.location["location_id"] if station else None
        decision = await self.decide(
            station_id, id_tag, charging_session_id, "authorize", location_id, None
        )

        async def work(conn: AsyncConnection) -> dict[str, Any]:
            return decision

        return await self.ledger.once(station_id, "Authorize", (), work, checked=True)

    async def decide(
        self,
        station_id: str,
        id_tag: str,
        charging_session_id: str,
        purpose: str,
        location_id: str | None,
        evse_uid: str | None,
    ) -> dict[str, Any]:
        request = AuthorizeToken(
            request_id=str(new_id()),
            station_id=station_id,
            id_tag=id_tag,
            location_id=location_id,
            evse_uid=evse_uid,
            purpose=purpose,
        )
        return await self._authorization.authorize(request, charging_session_id)
