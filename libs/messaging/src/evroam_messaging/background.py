"""Work that an after-commit action starts and the consumer does not wait for: answering a
request that needs a slow outside call (an eMSP's real-time authorization, say) must not hold
up the requests behind it on the same partition. Bounded, so a flood waits at the consumer
instead of piling up tasks; stopped with the service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundWork:
    def __init__(self, name: str, limit: int = 64) -> None:
        self._name = name
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Start `work` once a slot is free (the caller waits for the slot, not the work)."""
        await self._slots.acquire()
        task = asyncio.create_task(self._run(work), name=self._name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            # Nobody awaits this task: say what failed, loudly, rather than lose it silently.
            log.exception("background work %s failed", self._name)
        finally:
            self._slots.release()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
