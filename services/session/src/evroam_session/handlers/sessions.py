"""One session command: load the session's stream, fold, decide, append with the expected
version, and keep the session's place (open or not, which connector) up to date. Runs inside
the caller's transaction, so the append and the processed-event row commit together."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from psycopg import AsyncConnection

from evroam_contracts import decode_payload
from evroam_eventstore import EventStore, NewEvent
from evroam_session.adapters import postgres
from evroam_session.domain import decider
from evroam_session.domain.state import SessionEvent, SessionState, evolve

Decide = Callable[[SessionState], list[SessionEvent]]


def session_stream(session_id: str) -> str:
    return f"session-{session_id}"


async def load(conn: AsyncConnection, session_id: str) -> tuple[SessionState, int]:
    recorded = await EventStore().load(conn, session_stream(session_id))
    state = SessionState(session_id)
    for r in recorded:
        event = decode_payload(r.type, r.version, r.payload)
        state = evolve(state, event)  # type: ignore[arg-type]
    return state, len(recorded)


async def run(
    conn: AsyncConnection,
    session_id: str,
    decide: Decide,
    causation_id: UUID | None = None,
    correlation_id: str | None = None,
) -> SessionState:
    """Decide on the session and append what was decided; the session's new state."""
    state, version = await load(conn, session_id)
    return await commit(conn, state, version, decide(state), causation_id, correlation_id)


async def commit(
    conn: AsyncConnection,
    state: SessionState,
    version: int,
    events: list[SessionEvent],
    causation_id: UUID | None = None,
    correlation_id: str | None = None,
) -> SessionState:
    """Append what was decided on `state` (loaded at `version`); the session's new state."""
    after = state
    for e in events:
        after = evolve(after, e)
    s = after.started
    if state.started is None and s is not None and s.ocpp_connector_id is not None:
        # Just became ACTIVE: what its connector reported before this (its status events
        # travel on the station's stream, so they may have been folded first).
        connector = s.ocpp_connector_id
        states = await postgres.states_since(conn, s.station_id, connector, s.started_at)
        more = decider.change_states(after, states, s.received_at or s.started_at)
        for e in more:
            after = evolve(after, e)
        events = [*events, *more]
    if not events:
        return state
    await EventStore().append(
        conn,
        session_stream(state.session_id),
        version,
        [
            NewEvent.of(
                e,
                correlation_id=correlation_id or state.session_id,
                causation_id=str(causation_id) if causation_id else None,
            )
            for e in events
        ],
    )
    await postgres.record_place(conn, after)
    return after
