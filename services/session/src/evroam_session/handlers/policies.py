"""Foreign events become session commands: load the session stream, decide, append.

Runs inside the consumer's transaction, so the append and the processed-event row commit
together (exactly-once effect)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message, decode_payload
from evroam_contracts.gateway import MeterValuesSampled, TransactionEnded, TransactionStarted
from evroam_contracts.shared import TariffLock
from evroam_contracts.tariff import TariffAssigned, TariffPublished
from evroam_eventstore import EventStore, NewEvent
from evroam_messaging.consumer import AfterCommit
from evroam_session.domain import decider
from evroam_session.domain.state import SessionEvent, SessionState, evolve

Handler = Callable[[AsyncConnection, Envelope, Message], Awaitable[AfterCommit | None]]


def session_stream(session_id: str) -> str:
    return f"session-{session_id}"


async def load(conn: AsyncConnection, session_id: str) -> tuple[SessionState, int]:
    recorded = await EventStore().load(conn, session_stream(session_id))
    state = SessionState(session_id)
    for r in recorded:
        event = decode_payload(r.type, r.version, r.payload)
        state = evolve(state, event)  # type: ignore[arg-type]
    return state, len(recorded)


async def _append(
    conn: AsyncConnection,
    envelope: Envelope,
    session_id: str,
    version: int,
    events: list[SessionEvent],
) -> None:
    await EventStore().append(
        conn,
        session_stream(session_id),
        version,
        [
            NewEvent.of(
                e,
                correlation_id=envelope.correlation_id or session_id,
                causation_id=str(envelope.event_id),
            )
            for e in events
        ],
    )


async def tariff_in_force(
    conn: AsyncConnection, location_id: str, at: datetime
) -> TariffLock | None:
    """The version assigned to the location most recently before `at`."""
    cur = await conn.execute(
        "SELECT a.tariff_id, a.version, v.tariff FROM tariff_assignments a JOIN tariff_versions v"
        " USING (tariff_id, version) WHERE a.location_id = %s AND a.effective_from <= %s"
        " ORDER BY a.effective_from DESC LIMIT 1",
        (location_id, at),
    )
    row = await cur.fetchone()
    return None if row is None else TariffLock(tariff_id=row[0], version=row[1], tariff=row[2])


def on_transaction_started(default_currency: str) -> Handler:
    async def handle(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
        assert isinstance(msg, TransactionStarted)
        state, version = await load(conn, msg.charging_session_id)
        tariff = await tariff_in_force(conn, msg.location.id, msg.started_at)
        events = decider.start(state, msg, tariff, default_currency)
        await _append(conn, env, msg.charging_session_id, version, events)

    return handle


async def on_meter_values_sampled(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, MeterValuesSampled)
    state, version = await load(conn, msg.charging_session_id)
    await _append(conn, env, msg.charging_session_id, version, decider.add_samples(state, msg))


async def on_transaction_ended(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TransactionEnded)
    state, version = await load(conn, msg.charging_session_id)
    await _append(conn, env, msg.charging_session_id, version, decider.complete(state, msg))


async def on_tariff_published(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TariffPublished)
    await conn.execute(
        "INSERT INTO tariff_versions VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (msg.tariff_id, msg.tariff_version, json.dumps(msg.tariff)),
    )


async def on_tariff_assigned(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TariffAssigned)
    await conn.execute(
        "INSERT INTO tariff_assignments VALUES (%s, %s, %s, %s) ON CONFLICT (location_id,"
        " effective_from) DO UPDATE SET tariff_id = excluded.tariff_id, version = excluded.version",
        (msg.location_id, msg.effective_from, msg.tariff_id, msg.tariff_version),
    )
