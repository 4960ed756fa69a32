"""Fixtures shared by the runtime's tests on the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from evroam_messaging import Producer
from evroam_testing.infra import Infra


@pytest.fixture
async def producer(infra: Infra) -> AsyncIterator[Producer]:
    p = Producer(infra.kafka_bootstrap_servers, "runtime-tests")
    await p.start()
    yield p
    await p.stop()
