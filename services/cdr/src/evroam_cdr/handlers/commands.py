"""IssueCdr: load the CDR stream of the session, decide, append with the expected version.

It runs inside the caller's transaction (the consumer's, which also writes the processed-event
row), so the CDR and the tracking row commit together. The append is a savepoint: on a
conflict only it rolls back, and the whole command is retried in the same transaction."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_cdr.domain.decider import CdrState, IssueCdr, decide, fold
from evroam_contracts import decode_payload
from evroam_contracts.cdr import CdrIssued
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict


def cdr_stream(session_id: str) -> str:
    return f"cdr-{session_id}"


async def load_cdr(conn: AsyncConnection, session_id: str) -> tuple[CdrState, int]:
    recorded = await EventStore().load(conn, cdr_stream(session_id))
    issued = [
        m
        for r in recorded
        if isinstance(m := decode_payload(r.type, r.version, r.payload), CdrIssued)
    ]
    return fold(issued), len(recorded)


async def handle_issue_cdr(
    conn: AsyncConnection,
    command: IssueCdr,
    *,
    correlation_id: str | None,
    causation_id: str | None,
) -> list[CdrIssued]:
    """Return the events appended: none when the session already has its CDR."""
    session_id = command.session.session_id

    async def attempt() -> list[CdrIssued]:
        state, version = await load_cdr(conn, session_id)
        events = decide(command, state)
        await EventStore().append(
            conn,
            cdr_stream(session_id),
            version,
            [
                NewEvent.of(e, correlation_id=correlation_id, causation_id=causation_id)
                for e in events
            ],
        )
        return events

    return await retry_on_conflict(attempt)
