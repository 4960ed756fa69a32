"""Foreign events become session commands: load the session stream, decide, append.

Runs inside the consumer's transaction, so the append and the processed-event row commit
together (exactly-once effect)."""

from __future__ import annotations

import json
from datetime import datetime

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message, decode_payload
from evroam_contracts.gateway import MeterValuesSampled, TransactionEnded, TransactionStarted
from evroam_contracts.shared import TariffLock
from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired
from evroam_eventstore import EventStore, NewEvent
from evroam_messaging.consumer import Handler
from evroam_pricing.assignment import (
    SessionScope,
    assignment_from_row,
    assignment_sequence,
    resolve,
)
from evroam_session.domain import decider
from evroam_session.domain.state import SessionEvent, SessionState, evolve


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
    conn: AsyncConnection, scope: SessionScope, at: datetime
) -> TariffLock | None:
    """The version the shared assignment rule picks for `scope` at `at`."""
    cur = await conn.execute(
        "SELECT tariff_id, version, effective_from, location_id, sequence, evse_uid,"
        " connector_id, tariff_type, emsp_country_code, emsp_party_id"
        " FROM tariff_assignments WHERE location_id = %s",
        (scope.location_id,),
    )
    candidates = [assignment_from_row(row) for row in await cur.fetchall()]
    cur = await conn.execute("SELECT tariff_id, retired_from FROM tariff_retirements")
    retired = {row[0]: row[1] for row in await cur.fetchall()}
    chosen = resolve(candidates, retired, scope, at)
    if chosen is None:
        return None
    cur = await conn.execute(
        "SELECT tariff FROM tariff_versions WHERE tariff_id = %s AND version = %s",
        (chosen.tariff_id, chosen.version),
    )
    row = await cur.fetchone()
    return (
        None
        if row is None
        else TariffLock(tariff_id=chosen.tariff_id, version=chosen.version, tariff=row[0])
    )


def scope_of(tx: TransactionStarted) -> SessionScope:
    auth = tx.authorization
    emsp = (
        (auth.token_country_code.upper(), auth.token_party_id.upper())
        if auth.token_country_code and auth.token_party_id
        else None
    )
    tariff_type = "AD_HOC_PAYMENT" if auth.token_type == "AD_HOC_USER" else "REGULAR"
    return SessionScope(
        tx.location.id, tx.location.evse_uid, tx.location.connector_id, tariff_type, emsp
    )


def on_transaction_started(default_currency: str) -> Handler:
    async def handle(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
        assert isinstance(msg, TransactionStarted)
        state, version = await load(conn, msg.charging_session_id)
        tariff = await tariff_in_force(conn, scope_of(msg), msg.started_at)
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
        "INSERT INTO tariff_assignments (location_id, effective_from, tariff_id, version,"
        " sequence, evse_uid, connector_id, tariff_type, emsp_country_code, emsp_party_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            msg.location_id,
            msg.effective_from,
            msg.tariff_id,
            msg.tariff_version,
            assignment_sequence(env.time),
            msg.evse_uid,
            msg.connector_id,
            msg.tariff_type,
            msg.emsp_country_code,
            msg.emsp_party_id,
        ),
    )


async def on_tariff_retired(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TariffRetired)
    await conn.execute(
        "INSERT INTO tariff_retirements VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (msg.tariff_id, msg.retired_from),
    )
