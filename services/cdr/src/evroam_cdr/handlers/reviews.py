"""A reviewer's commands on a held CDR: release it (corrected or not) or reject it. Each runs
in its own transaction on the CDR stream of the CDR's session."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_cdr.adapters.postgres import session_of_review
from evroam_cdr.domain.checks import Known, Policy
from evroam_cdr.domain.decider import (
    CdrEvent,
    CdrState,
    RejectCdr,
    ReleaseCdr,
    reject,
    release,
)
from evroam_cdr.handlers.commands import known_of_cdr, run


class ReviewNotFoundError(LookupError):
    """No CDR of that id was ever held for review."""


async def _session_of(pool: AsyncConnectionPool, cdr_id: str) -> str:
    async with pool.connection() as conn:
        session_id = await session_of_review(conn, cdr_id)
    if session_id is None:
        raise ReviewNotFoundError(f"no CDR {cdr_id} was held for review")
    return session_id


async def handle_release(
    pool: AsyncConnectionPool,
    policy: Policy,
    cdr_id: str,
    *,
    reviewer: str,
    note: str | None = None,
    accept: tuple[str, ...] = (),
    corrections: Mapping[str, Any] | None = None,
) -> list[CdrEvent]:
    """The events appended: the release, a credit of the CDR it corrects, the CDR issued.
    The references are checked again now: a location registered since may have cleared one."""
    session_id = await _session_of(pool, cdr_id)
    async with pool.connection() as conn, conn.transaction():

        async def decide(state: CdrState) -> list[CdrEvent]:
            known = await known_of_cdr(conn, state.held.cdr) if state.held else Known()
            command = ReleaseCdr(
                cdr_id,
                reviewer,
                known,
                policy,
                datetime.now(UTC),
                note=note,
                accept=accept,
                corrections=corrections,
            )
            return release(command, state)

        return await run(conn, session_id, decide)


async def handle_reject(
    pool: AsyncConnectionPool, cdr_id: str, *, reviewer: str, reason: str
) -> list[CdrEvent]:
    session_id = await _session_of(pool, cdr_id)
    command = RejectCdr(cdr_id, reviewer, reason, datetime.now(UTC))

    async def decide(state: CdrState) -> list[CdrEvent]:
        return reject(command, state)

    async with pool.connection() as conn, conn.transaction():
        return await run(conn, session_id, decide)
