"""Statement commands: lock the statement, load its stream, decide, append with the expected
version; on a conflict the whole command is retried (the append is a savepoint, so only it
rolls back).

A command runs inside the caller's transaction: the settlement consumer's (beside its
processed-event row, so the effect happens once) or an operator's."""

from __future__ import annotations

from collections.abc import Callable

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_billing.adapters.settlement_postgres import lock_statement
from evroam_billing.domain.statement_decider import OperatorCommand, decide
from evroam_billing.domain.statement_errors import StatementNotFoundError
from evroam_billing.domain.statements import Statement, StatementEvent, StatementRef, fold
from evroam_contracts import decode_payload
from evroam_contracts.billing import StatementCdrStateChanged, StatementLineAdded
from evroam_eventstore import EventStore, NewEvent, retry_on_conflict

Decide = Callable[[Statement], list[StatementEvent]]


async def load_statement(
    conn: AsyncConnection, ref: StatementRef
) -> tuple[Statement, int, dict[str, str | None]]:
    """The state, the stream version, and the correlation id each CDR was listed with (its
    charging session's), which the CDR's later events carry too."""
    recorded = await EventStore().load(conn, ref.stream)
    events: list[StatementEvent] = []
    correlations: dict[str, str | None] = {}
    for r in recorded:
        event = decode_payload(r.type, r.version, r.payload)
        assert isinstance(event, StatementLineAdded | StatementCdrStateChanged)
        events.append(event)
        if isinstance(event, StatementLineAdded):
            correlations[event.cdr_id] = r.correlation_id
    return fold(events), len(recorded), correlations


async def run_on_statement(
    conn: AsyncConnection,
    ref: StatementRef,
    decide: Decide,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> list[StatementEvent]:
    """Return the events appended (none when nothing changed)."""
    await lock_statement(conn, ref.stream)

    async def attempt() -> list[StatementEvent]:
        state, version, correlations = await load_statement(conn, ref)
        events = decide(state)
        await EventStore().append(
            conn,
            ref.stream,
            version,
            [
                NewEvent.of(
                    e,
                    correlation_id=correlation_id or correlations.get(e.cdr_id),
                    causation_id=causation_id,
                )
                for e in events
            ],
        )
        return events

    return await retry_on_conflict(attempt)


async def handle_operator_command(
    pool: AsyncConnectionPool, statement_id: str, command: OperatorCommand
) -> list[StatementEvent]:
    """An operator records what the eMSP said about its statement (admin API)."""
    ref = StatementRef.parse(statement_id)
    if ref is None:
        raise StatementNotFoundError(f"no statement {statement_id}")
    async with pool.connection() as conn, conn.transaction():
        return await run_on_statement(conn, ref, lambda state: decide(command, state))
