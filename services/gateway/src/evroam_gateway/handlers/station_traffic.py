"""What station messages do, independent of the OCPP version: look up the registry, ask the
authorization service, and append normalized events. Every method returns only after its
event is durable in the gateway's store, so a station is never told "ok" for something lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Message
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.gateway import (
    AuthorizationSnapshot,
    Evse,
    MeterValuesSampled,
    StationBooted,
    StationStatusChanged,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.ids import new_id
from evroam_contracts.shared import MeterSample
from evroam_eventstore import EventStore, NewEvent
from evroam_gateway.domain.registry import location_snapshot
from evroam_gateway.handlers.authorization import Authorization

log = logging.getLogger(__name__)
PENDING_TTL = timedelta(minutes=10)


class UnknownTransactionError(LookupError):
    """A station names a transaction id the gateway never assigned to it."""


@dataclass(frozen=True)
class Transaction:
    charging_session_id: str
    traceparent: str | None


class StationTraffic:
    def __init__(self, pool: AsyncConnectionPool, authorization: Authorization) -> None:
        self._pool, self._authorization = pool, authorization
        self._store = EventStore()
        # (station, id tag) -> (charging session id, its traceparent, expiry): an Authorize and
        # the transaction that follows it are one charging session: one correlation id, one trace.
        self._pending: dict[tuple[str, str], tuple[str, str | None, datetime]] = {}

    async def station_known(self, station_id: str) -> bool:
        return await self._station(station_id) is not None

    async def _station(self, station_id: str) -> dict[str, Any] | None:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT s.evses, l.location FROM view_stations_v1 s JOIN view_locations_v1 l"
                " USING (location_id) WHERE s.station_id = %s",
                (station_id,),
            )
            return await cur.fetchone()

    async def _append(
        self,
        stream: str,
        events: Sequence[Message],
        correlation_id: str | None = None,
    ) -> None:
        async with self._pool.connection() as c:
            await self._store.append(
                c, stream, None, [NewEvent.of(e, correlation_id=correlation_id) for e in events]
            )

    async def boot(self, station_id: str, ocpp_version: str, payload: dict[str, Any]) -> str:
        status = "Accepted" if await self.station_known(station_id) else "Rejected"
        await self._append(
            f"station-{station_id}",
            [
                StationBooted(
                    station_id=station_id,
                    ocpp_version=ocpp_version,
                    vendor=payload.get("charge_point_vendor", ""),
                    model=payload.get("charge_point_model", ""),
                    serial_number=payload.get("charge_point_serial_number"),
                    firmware_version=payload.get("firmware_version"),
                    registration_status=status,
                    received_at=datetime.now(UTC),
                )
            ],
        )
        return status

    async def status_changed(
        self,
        station_id: str,
        connector_id: int,
        status: str,
        error_code: str | None,
        station_time: datetime | None,
    ) -> None:
        await self._append(
            f"station-{station_id}",
            [
                StationStatusChanged(
                    station_id=station_id,
                    ocpp_connector_id=connector_id,
                    status=status,
                    error_code=error_code,
                    station_time=station_time,
                    received_at=datetime.now(UTC),
                )
            ],
        )

    def open_session(self, station_id: str, id_tag: str, traceparent: str | None) -> str:
        """An Authorize opens a charging session; the transaction that follows joins it."""
        now = datetime.now(UTC)
        self._pending = {k: v for k, v in self._pending.items() if v[2] > now}
        session_id = str(new_id())
        self._pending[(station_id, id_tag)] = (session_id, traceparent, now + PENDING_TTL)
        return session_id

    def join_session(self, station_id: str, id_tag: str) -> tuple[str, str | None]:
        """The session (and trace) an earlier Authorize opened, or a new one."""
        pending = self._pending.pop((station_id, id_tag), None)
        return (pending[0], pending[1]) if pending else (str(new_id()), None)

    async def authorize(
        self, station_id: str, id_tag: str, charging_session_id: str
    ) -> dict[str, Any]:
        """The decision on an Authorize of `id_tag` at this station's location."""
        station = await self._station(station_id)
        location_id = station["location"]["location_id"] if station else None
        return await self._decide(
            station_id, id_tag, charging_session_id, "authorize", location_id, None
        )

    async def _decide(
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

    async def start_transaction(
        self,
        station_id: str,
        connector_id: int,
        id_tag: str,
        meter_start_wh: int,
        started_at: datetime,
        charging_session_id: str,
        traceparent: str | None,
    ) -> tuple[int, dict[str, Any]]:
        """Decide on `id_tag` at the connector's EVSE, then start the transaction under that
        decision; returns the transaction id and the decision."""
        station = await self._station(station_id)
        if station is None:
            raise LookupError(f"station {station_id} is not registered")
        evses = [Evse.model_validate(e) for e in station["evses"]]
        snapshot = location_snapshot(station["location"], evses, connector_id)
        decision = await self._decide(
            station_id,
            id_tag,
            charging_session_id,
            "transaction_start",
            snapshot.id,
            snapshot.evse_uid,
        )
        token = decision.get("token") or {}
        async with self._pool.connection() as conn, conn.transaction():
            cur = await conn.execute("SELECT nextval('ocpp_transaction_ids')")
            row = await cur.fetchone()
            assert row is not None
            transaction_id = int(row[0])
            event = TransactionStarted(
                charging_session_id=charging_session_id,
                station_id=station_id,
                transaction_id=str(transaction_id),
                ocpp_connector_id=connector_id,
                id_tag=id_tag,
                meter_start_wh=meter_start_wh,
                started_at=started_at,
                received_at=datetime.now(UTC),
                location=snapshot,
                authorization=AuthorizationSnapshot(
                    status=decision.get("status", "INVALID"),
                    authorization_reference=decision.get("authorization_reference"),
                    decided_by=decision.get("decided_by", "authorization"),
                    token_country_code=token.get("country_code"),
                    token_party_id=token.get("party_id"),
                    token_uid=token.get("uid", id_tag),
                    token_type=token.get("type", "RFID"),
                    contract_id=token.get("contract_id"),
                    auth_method=decision.get("auth_method"),
                ),
            )
            await self._store.append(
                conn,
                f"charging-{charging_session_id}",
                0,
                [NewEvent.of(event, correlation_id=charging_session_id)],
            )
            await conn.execute(
                "INSERT INTO ocpp_transactions VALUES (%s, %s, %s, %s)",
                (station_id, str(transaction_id), charging_session_id, traceparent),
            )
        return transaction_id, decision

    async def transaction(self, station_id: str, transaction_id: int) -> Transaction:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT charging_session_id, traceparent FROM ocpp_transactions"
                " WHERE station_id = %s AND transaction_id = %s",
                (station_id, str(transaction_id)),
            )
            row = await cur.fetchone()
        if row is None:
            raise UnknownTransactionError(f"{station_id} has no transaction {transaction_id}")
        return Transaction(row[0], row[1])

    async def meter_values(
        self,
        station_id: str,
        tx: Transaction,
        transaction_id: int,
        samples: list[MeterSample],
    ) -> None:
        if samples:
            await self._append(
                f"charging-{tx.charging_session_id}",
                [
                    MeterValuesSampled(
                        charging_session_id=tx.charging_session_id,
                        station_id=station_id,
                        transaction_id=str(transaction_id),
                        samples=tuple(samples),
                        received_at=datetime.now(UTC),
                    )
                ],
                tx.charging_session_id,
            )

    async def stop_transaction(
        self,
        station_id: str,
        tx: Transaction,
        transaction_id: int,
        meter_stop_wh: int,
        ended_at: datetime,
        reason: str,
        id_tag: str | None,
        samples: list[MeterSample],
    ) -> None:
        await self._append(
            f"charging-{tx.charging_session_id}",
            [
                TransactionEnded(
                    charging_session_id=tx.charging_session_id,
                    station_id=station_id,
                    transaction_id=str(transaction_id),
                    meter_stop_wh=meter_stop_wh,
                    ended_at=ended_at,
                    reason=reason,
                    id_tag=id_tag,
                    samples=tuple(samples),
                    received_at=datetime.now(UTC),
                )
            ],
            tx.charging_session_id,
        )
