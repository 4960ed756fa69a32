"""Transactions, as both OCPP versions report them, become one charging-session stream.

OCPP 1.6 StartTransaction / MeterValues / StopTransaction and OCPP 2.0.1 TransactionEvent
(Started / Updated / Ended) arrive here as `TransactionMessage`s. The first message of a
transaction, whichever it is, opens the charging session (TransactionStarted); a stop or meter
reading for a transaction the gateway never saw start is kept under a new session rather than
refused, because a station that gets an error retries and finally discards billing data
(OCPP 1.6 section 3.7.1, 2.0.1 E13). Every message is answered only after its events are
durable, and once: its natural key (the spec's idempotency key) goes into the call ledger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from psycopg import AsyncConnection

from evroam_contracts.gateway import (
    MeterValuesSampled,
    TransactionAuthorized,
    TransactionEnded,
    TransactionEventsMissing,
    TransactionStarted,
)
from evroam_contracts.shared import MeterSample, SignedReading
from evroam_gateway.domain.connectors import ConnectorRef
from evroam_gateway.domain.sequence import missing_seq_nos
from evroam_gateway.handlers.session_opening import (
    Opening,
    first_energy,
    last_energy,
    next_transaction_id,
    place,
    snapshot,
)
from evroam_gateway.handlers.station_traffic import StationTraffic

log = logging.getLogger(__name__)


class UnregisteredStationError(LookupError):
    """A transaction from a station the registry does not know (it cannot be priced)."""


@dataclass(frozen=True)
class TransactionMessage:
    event_type: Literal["Started", "Updated", "Ended"]
    # None for an OCPP 1.6 StartTransaction: the gateway assigns the id.
    transaction_id: str | None
    at: datetime
    natural_key: str
    samples: tuple[MeterSample, ...] = ()
    where: ConnectorRef | None = None
    id_tag: str | None = None
    meter_wh: int | None = None  # 1.6 meterStart / meterStop
    seq_no: int | None = None
    offline: bool = False
    trigger_reason: str | None = None
    charging_state: str | None = None
    stopped_reason: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    signed: tuple[SignedReading, ...] = ()
    signed_refused: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transaction:
    charging_session_id: str
    traceparent: str | None


class Transactions:
    def __init__(self, traffic: StationTraffic) -> None:
        self._t = traffic

    async def context(self, station_id: str, transaction_id: str) -> Transaction | None:
        """The charging session (and its trace) a transaction id belongs to, if known."""
        async with self._t.pool.connection() as conn:
            row = await self._row(conn, station_id, transaction_id, lock=False)
        return None if row is None else Transaction(row["charging_session_id"], row["traceparent"])

    async def handle(
        self,
        station_id: str,
        msg: TransactionMessage,
        traceparent: str | None,
        known: Transaction | None,
    ) -> dict[str, Any]:
        """{transaction_id, charging_session_id, decision}; decision when an id tag was
        presented that the station needs an answer on (a start, or a 2.0.1 idToken).
        `known`: the transaction's context as the caller looked it up for its span (None for a
        transaction the gateway has not seen, e.g. every 1.6 StartTransaction)."""
        stored = await self._t.ledger.answered(station_id, (msg.natural_key,))
        if stored is not None:
            return stored
        session_id, tp = (
            (known.charging_session_id, known.traceparent)
            if known
            else self._t.join_session(station_id, msg.id_tag)
        )
        wants_decision = bool(msg.id_tag) and (known is None or msg.seq_no is not None)
        location, connector, decision = None, None, None
        # The registry is read only to open a session or to decide on a token there: a
        # reading of a running transaction (the common message) needs neither.
        # A Started for a transaction already known arrived late: it is logged as the
        # session's real start, with the EVSE it names.
        if known is None or wants_decision or msg.event_type == "Started":
            station = await self._t.station(station_id)
            if station is None:
                raise UnregisteredStationError(f"station {station_id} is not registered")
            location, connector = place(station, msg.where)
        if wants_decision:
            assert location is not None
            assert msg.id_tag is not None
            purpose = "transaction_start" if known is None else "authorize"
            decision = await self._t.decide(
                station_id, msg.id_tag, session_id, purpose, location.id, location.evse_uid
            )

        async def work(conn: AsyncConnection) -> dict[str, Any]:
            opening = Opening(session_id, tp or traceparent, location, connector, decision)
            return await self._apply(conn, station_id, msg, opening)

        keys = (msg.natural_key,)
        return await self._t.ledger.once(station_id, msg.event_type, keys, work, checked=True)

    async def _row(
        self, conn: AsyncConnection, station_id: str, transaction_id: str, lock: bool
    ) -> dict[str, Any] | None:
        cur = await conn.execute(
            "SELECT charging_session_id, traceparent, started_seq_no, seq_nos, last_energy_wh"
            " FROM ocpp_transactions WHERE station_id = %s AND transaction_id = %s"
            + (" FOR UPDATE" if lock else ""),
            (station_id, transaction_id),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        names = ("charging_session_id", "traceparent", "started_seq_no", "seq_nos", "last_energy")
        return dict(zip(names, row, strict=True))

    async def _apply(
        self,
        conn: AsyncConnection,
        station_id: str,
        msg: TransactionMessage,
        opening: Opening,
    ) -> dict[str, Any]:
        transaction_id = msg.transaction_id or await next_transaction_id(conn)
        row = await self._row(conn, station_id, transaction_id, lock=True)
        begun_before = row is not None
        if row is None:
            row = await self._open(conn, station_id, transaction_id, msg, opening)
            await conn.execute(
                "INSERT INTO ocpp_transactions (station_id, transaction_id, charging_session_id,"
                " traceparent, started_seq_no) VALUES (%s, %s, %s, %s, %s)",
                (
                    station_id,
                    transaction_id,
                    opening.session_id,
                    opening.traceparent,
                    row["started_seq_no"],
                ),
            )
        elif msg.event_type == "Started":
            await conn.execute(
                "UPDATE ocpp_transactions SET started_seq_no = %s"
                " WHERE station_id = %s AND transaction_id = %s",
                (msg.seq_no, station_id, transaction_id),
            )
            row["started_seq_no"] = msg.seq_no
            late = self._started(station_id, transaction_id, msg, opening)
            await self._t.append(
                conn, f"charging-{row['charging_session_id']}", [late], late.charging_session_id
            )
        session_id = row["charging_session_id"]
        seq_nos = sorted({*row["seq_nos"], *([msg.seq_no] if msg.seq_no is not None else [])})
        last = last_energy(msg.samples) or row["last_energy"]
        # A Started has said all it had in its TransactionStarted.
        said = msg.event_type == "Started"
        await self._continue(conn, station_id, transaction_id, msg, session_id, row, seq_nos, said)
        if opening.decision is not None and begun_before and msg.event_type == "Updated":
            await self._authorized(conn, station_id, transaction_id, msg, session_id, opening)
        await conn.execute(
            "UPDATE ocpp_transactions SET seq_nos = %s, last_energy_wh = %s"
            " WHERE station_id = %s AND transaction_id = %s",
            (seq_nos, last, station_id, transaction_id),
        )
        return {
            "transaction_id": transaction_id,
            "charging_session_id": session_id,
            "decision": opening.decision,
        }

    async def _open(
        self,
        conn: AsyncConnection,
        station_id: str,
        transaction_id: str,
        msg: TransactionMessage,
        opening: Opening,
    ) -> dict[str, Any]:
        """The first message of a transaction opens its charging session."""
        session_id = opening.session_id
        event = self._started(station_id, transaction_id, msg, opening)
        await self._t.append(conn, f"charging-{session_id}", [event], session_id)
        started_seq = msg.seq_no if msg.event_type == "Started" else None
        return {
            "charging_session_id": session_id,
            "started_seq_no": started_seq,
            "seq_nos": [],
            "last_energy": event.meter_start_wh,
        }

    def _started(
        self, station_id: str, transaction_id: str, msg: TransactionMessage, opening: Opening
    ) -> TransactionStarted:
        assert opening.location is not None
        assert opening.ocpp_connector_id is not None
        meter_start = msg.meter_wh if msg.event_type == "Started" else None
        if meter_start is None:
            meter_start = first_energy(msg.samples) or 0
        return TransactionStarted(
            charging_session_id=opening.session_id,
            station_id=station_id,
            transaction_id=transaction_id,
            ocpp_connector_id=opening.ocpp_connector_id,
            id_tag=msg.id_tag or "",
            meter_start_wh=meter_start,
            started_at=msg.at,
            received_at=datetime.now(UTC),
            location=opening.location,
            authorization=snapshot(opening.decision, msg.id_tag),
            offline=msg.offline,
            seq_no=msg.seq_no,
            remote_start_id=msg.remote_start_id,
            reservation_id=msg.reservation_id,
            opened_by=msg.event_type,
            # Those of a Started only: another message's come in its own event.
            **(_signed_of(msg) if msg.event_type == "Started" else {}),
        )

    async def _authorized(
        self,
        conn: AsyncConnection,
        station_id: str,
        transaction_id: str,
        msg: TransactionMessage,
        session_id: str,
        opening: Opening,
    ) -> None:
        """A decision on a transaction that had begun without it (2.0.1 E03: authorized after
        plug-in; or a late Started): the session goes by it from now on."""
        event = TransactionAuthorized(
            charging_session_id=session_id,
            station_id=station_id,
            transaction_id=transaction_id,
            id_tag=msg.id_tag or "",
            authorization=snapshot(opening.decision, msg.id_tag),
            authorized_at=msg.at,
            received_at=datetime.now(UTC),
            seq_no=msg.seq_no,
        )
        await self._t.append(conn, f"charging-{session_id}", [event], session_id)

    async def _continue(
        self,
        conn: AsyncConnection,
        station_id: str,
        transaction_id: str,
        msg: TransactionMessage,
        session_id: str,
        row: dict[str, Any],
        seq_nos: list[int],
        said: bool,
    ) -> None:
        """The message's own event, after the transaction's start."""
        now = datetime.now(UTC)
        events: list[Any] = []
        if msg.event_type == "Ended":
            stop = msg.meter_wh if msg.meter_wh is not None else last_energy(msg.samples)
            events.append(
                TransactionEnded(
                    charging_session_id=session_id,
                    station_id=station_id,
                    transaction_id=transaction_id,
                    meter_stop_wh=stop if stop is not None else row["last_energy"] or 0,
                    ended_at=msg.at,
                    reason=msg.stopped_reason or "Local",
                    id_tag=msg.id_tag,
                    samples=msg.samples,
                    received_at=now,
                    offline=msg.offline,
                    seq_no=msg.seq_no,
                    **_signed_of(msg),
                )
            )
            if msg.seq_no is not None:
                missing = missing_seq_nos(seq_nos, row["started_seq_no"], msg.seq_no)
                if missing:
                    events.append(
                        TransactionEventsMissing(
                            charging_session_id=session_id,
                            station_id=station_id,
                            transaction_id=transaction_id,
                            missing_seq_nos=missing,
                            detected_at=now,
                        )
                    )
        elif not said and (msg.samples or msg.charging_state or _signed_of(msg)):
            events.append(
                MeterValuesSampled(
                    charging_session_id=session_id,
                    station_id=station_id,
                    transaction_id=transaction_id,
                    samples=msg.samples,
                    received_at=now,
                    offline=msg.offline,
                    seq_no=msg.seq_no,
                    trigger_reason=msg.trigger_reason,
                    charging_state=msg.charging_state,
                    **_signed_of(msg),
                )
            )
        if events:
            await self._t.append(conn, f"charging-{session_id}", events, session_id)


def _signed_of(msg: TransactionMessage) -> dict[str, Any]:
    """The message's signed values and refusals, as event fields (none when it had none)."""
    fields = {"signed": msg.signed, "signed_refused": msg.signed_refused}
    return {k: v for k, v in fields.items() if v}
