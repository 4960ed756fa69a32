"""Work an after-commit action starts without the consumer waiting for it: bounded, failures
reported instead of lost, cancelled with the service."""

from __future__ import annotations

import asyncio
import logging

import pytest

from evroam_messaging import BackgroundWork


async def test_the_caller_waits_for_a_free_slot_not_for_the_work() -> None:
    work, release = BackgroundWork("t", limit=2), asyncio.Event()
    await work.start(release.wait())
    await work.start(release.wait())  # both slots taken, and start() returned at once
    third = asyncio.create_task(work.start(release.wait()))
    await asyncio.sleep(0.01)
    assert (work.running, third.done()) == (2, False)
    release.set()
    await asyncio.wait_for(third, 1)
    await work.stop()


async def test_a_failing_piece_of_work_is_logged_and_frees_its_slot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    work = BackgroundWork("realtime", limit=1)

    async def fail() -> None:
        raise RuntimeError("eMSP exploded")

    with caplog.at_level(logging.ERROR):
        await work.start(fail())
        await asyncio.wait_for(work.start(asyncio.sleep(0)), 1)  # the slot came back
    await work.stop()
    assert "background work realtime failed" in caplog.text
    assert "eMSP exploded" in caplog.text


async def test_stop_cancels_what_is_still_running() -> None:
    work, cancelled = BackgroundWork("t"), asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    await work.start(forever())
    await asyncio.sleep(0)
    await work.stop()
    assert cancelled.is_set()
    assert work.running == 0
