"""A scratch database per test on the suite's PostgreSQL (the `infra` fixture of
evroam_testing: the environment's, testcontainers' or the devstack's), dropped afterwards. This
directory goes on sys.path for billing_feed.py, which the invoice and settlement suites share
(pytest's importlib mode puts no test directory there)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore import open_pool
from evroam_testing.infra import Infra

sys.path.insert(0, str(Path(__file__).parent))  # for billing_feed

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    with infra.migrated_database("evroam_billing_it", SQL_DIR) as url:
        yield url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    pool = await open_pool(database_url, max_size=20)
    yield pool
    await pool.close()
