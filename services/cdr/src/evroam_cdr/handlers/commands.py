"""CDR commands: load the session's CDR stream, decide, append with the expected version.

Issuing runs inside the consumer's transaction (which also writes the processed-event row), so
the CDR and the tracking row commit together; a reviewer's command runs in its own. The append
is retried whole (load, decide, append) when the stream moved on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from psycopg import AsyncConnection

from evroam_cdr.adapters.postgres import known
from evroam_cdr.domain.checks import Known
from evroam_cdr.domain.decider import CdrEvent, CdrState, evolve
from evroam_contracts import decode_payload
from evroam_contracts.cdr import Cdr, CdrHeld, CdrIssued, CdrRejected, CdrReleased
from evroam_contracts.session import SessionCompleted
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict

# Decides on the loaded state; async so that it may look up what it needs (references).
Decide = Callable[[CdrState], Awaitable[list[CdrEvent]]]


def cdr_stream(session_id: str) -> str:
    return f"cdr-{session_id}"


async def load_cdrs(conn: AsyncConnection, session_id: str) -> tuple[CdrState, int, str | None]:
    """The state, the stream version, and the correlation id of the session's events."""
    recorded = await EventStore().load(conn, cdr_stream(session_id))
    state = CdrState()
    for r in recorded:
        event = decode_payload(r.type, r.version, r.payload)
        assert isinstance(event, CdrIssued | CdrHeld | CdrReleased | CdrRejected)
        state = evolve(state, event)
    correlation = recorded[-1].correlation_id if recorded else None
    return state, len(recorded), correlation


async def run(
    conn: AsyncConnection,
    session_id: str,
    decide: Decide,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> list[CdrEvent]:
    """Return the events appended (none when the command changed nothing)."""

    async def attempt() -> list[CdrEvent]:
        state, version, correlation = await load_cdrs(conn, session_id)
        events = await decide(state)
        await EventStore().append(
            conn,
            cdr_stream(session_id),
            version,
            [
                NewEvent.of(
                    e,
                    correlation_id=correlation_id or correlation,
                    causation_id=causation_id,
                )
                for e in events
            ],
        )
        return events

    return await retry_on_conflict(attempt)


async def known_of_session(conn: AsyncConnection, s: SessionCompleted) -> Known:
    loc, tok = s.location, s.cdr_token
    return await known(
        conn,
        s.session_id,
        (loc.country_code, loc.party_id, loc.id),
        (tok.country_code, tok.party_id, tok.uid),
    )


async def known_of_cdr(conn: AsyncConnection, cdr: Cdr) -> Known:
    tok = cdr.cdr_token
    return await known(
        conn,
        cdr.session_id,
        (cdr.country_code, cdr.party_id, cdr.cdr_location.id),
        (tok.country_code, tok.party_id, tok.uid),
    )
