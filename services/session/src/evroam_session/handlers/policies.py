"""Foreign events become session commands. Station transaction events arrive on the charging
session's own stream (in order); connector statuses and boots on the station's stream (in
any order relative to them); tariff events on the tariff service's topic."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message
from evroam_contracts.gateway import (
    MeterValuesSampled,
    StationBooted,
    StationStatusChanged,
    TransactionAuthorized,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.session import ChargingStateChange
from evroam_messaging.consumer import Handler
from evroam_session.adapters import postgres
from evroam_session.domain import decider
from evroam_session.handlers import sessions
from evroam_session.handlers.sessions import Decide
from evroam_session.handlers.tariffs import scope_of, tariff_in_force
from evroam_session.settings import SessionSettings


async def _run(conn: AsyncConnection, env: Envelope, session_id: str, decide: Decide) -> None:
    await sessions.run(conn, session_id, decide, env.event_id, env.correlation_id)


def on_transaction_started(default_currency: str) -> Handler:
    async def handle(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
        assert isinstance(msg, TransactionStarted)
        scope = scope_of(msg.location, msg.authorization)
        tariff = await tariff_in_force(conn, scope, msg.started_at)
        await _run(
            conn,
            env,
            msg.charging_session_id,
            lambda s: decider.start(s, msg, tariff, default_currency),
        )

    return handle


def on_transaction_authorized(default_currency: str) -> Handler:
    async def handle(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
        """The tariff is locked where the pending session is, so the session is read first."""
        assert isinstance(msg, TransactionAuthorized)
        state, version = await sessions.load(conn, msg.charging_session_id)
        tariff = None
        if state.pending is not None:
            scope = scope_of(state.pending.location, msg.authorization)
            tariff = await tariff_in_force(conn, scope, msg.authorized_at)
        events = decider.authorize(state, msg, tariff, default_currency)
        await sessions.commit(conn, state, version, events, env.event_id, env.correlation_id)

    return handle


async def on_meter_values_sampled(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, MeterValuesSampled)
    await _run(conn, env, msg.charging_session_id, lambda s: decider.add_samples(s, msg))


async def on_transaction_ended(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    assert isinstance(msg, TransactionEnded)
    await _run(conn, env, msg.charging_session_id, lambda s: decider.complete(s, msg))


async def on_status_changed(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
    """Kept for sessions yet to start on the connector, and folded into those on it now."""
    assert isinstance(msg, StationStatusChanged)
    change = ChargingStateChange(
        at=msg.station_time or msg.received_at,
        state=msg.status,
        station_clock=msg.station_time is not None,
    )
    await postgres.record_state(conn, msg.station_id, msg.ocpp_connector_id, change)
    # A station event carries the station's correlation, not a session's: each session's
    # own (its id) is used.
    for session_id in await postgres.on_connector(
        conn, msg.station_id, msg.ocpp_connector_id, change.at
    ):
        await sessions.run(
            conn,
            session_id,
            lambda s: decider.change_states(s, (change,), msg.received_at),
            env.event_id,
        )


def on_station_booted(settings: SessionSettings) -> Handler:
    """The unfinished policy: a station that boots has forgotten the transactions it did not
    end. Each session still open on it is flagged at once; under `close`, one that is still
    open when the grace period has passed is closed by the sweeper (`sweeper.py`)."""

    async def handle(conn: AsyncConnection, env: Envelope, msg: Message) -> None:
        assert isinstance(msg, StationBooted)
        for session_id in await postgres.open_on_station(conn, msg.station_id, msg.received_at):
            after = await sessions.run(
                conn,
                session_id,
                lambda s: decider.flag_unfinished(s, msg.received_at),
                env.event_id,
            )
            if settings.unfinished_policy == "close" and after.is_open:
                await postgres.mark_unfinished(conn, session_id, msg.received_at)

    return handle
