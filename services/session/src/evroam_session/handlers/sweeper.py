"""Closes the sessions a station forgot: open when it rebooted, and still without an end
when the grace period (EVROAM_SESSION_UNFINISHED_AFTER_S) has passed. Each close is one
session command (load, decide, append with the expected version); a session that changed
meanwhile is simply looked at again on the next round."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_eventstore import ConcurrencyError
from evroam_session.adapters import postgres
from evroam_session.domain import decider
from evroam_session.handlers import sessions

log = logging.getLogger(__name__)


async def sweep(pool: AsyncConnectionPool, grace: timedelta) -> int:
    """One round; how many sessions it closed."""
    now = datetime.now(UTC)
    async with pool.connection() as conn:
        due = await postgres.unfinished(conn, now - grace)
    closed = 0
    for session_id, since in due:
        try:
            async with pool.connection() as conn, conn.transaction():
                after = await sessions.run(conn, session_id, _closing(since, now))
        except ConcurrencyError:
            continue
        if not after.is_open:
            closed += 1
            log.warning(
                "session %s closed: its station rebooted at %s, never ended it", session_id, since
            )
    return closed


def _closing(booted_at: datetime, now: datetime) -> sessions.Decide:
    return lambda state: decider.close_unfinished(state, booted_at, now)


def sweeper(
    pool: AsyncConnectionPool, grace_s: float, every_s: float
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            await sweep(pool, timedelta(seconds=grace_s))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)

    return run
