"""Connection pools, with retries while the database is not there yet."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from tenacity import (
    AsyncRetrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

log = logging.getLogger(__name__)


async def open_pool(
    database_url: str, *, min_size: int = 2, max_size: int = 10, wait_s: float = 60.0
) -> AsyncConnectionPool:
    """Open a pool and wait until the database answers (retrying with backoff up to wait_s)."""
    pool: AsyncConnectionPool = AsyncConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        kwargs={"autocommit": True},
    )
    async for attempt in AsyncRetrying(
        stop=stop_after_delay(wait_s),
        wait=wait_exponential(multiplier=0.2, max=5),
        retry=retry_if_exception_type(Exception),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    ):
        with attempt:
            await pool.open(wait=True, timeout=10)
    return pool


async def connect(database_url: str) -> AsyncConnection:
    """A dedicated autocommit connection (LISTEN, advisory session locks)."""
    async for attempt in AsyncRetrying(
        stop=stop_after_delay(60), wait=wait_exponential(multiplier=0.2, max=5), reraise=True
    ):
        with attempt:
            return await AsyncConnection.connect(database_url, autocommit=True)
    raise AssertionError("unreachable")


async def wait_for_notify(conn: AsyncConnection, wait_s: float, stop: asyncio.Event) -> None:
    """Return on the first notification, after `wait_s`, or when asked to stop."""

    async def one() -> None:
        async for _ in conn.notifies(timeout=wait_s, stop_after=1):
            return

    waiter = asyncio.ensure_future(one())
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not waiter.done():
        waiter.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await waiter
