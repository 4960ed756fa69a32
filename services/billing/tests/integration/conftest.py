"""A scratch database per test on the suite's PostgreSQL (the `infra` fixture of
evroam_testing: the environment's, testcontainers' or the devstack's), dropped afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore import apply_migrations, open_pool
from evroam_testing.infra import Infra

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    url = infra.create_database(prefix="evroam_billing_it")
    try:
        apply_migrations(url, SQL_DIR)
        yield url
    finally:
        infra.drop_database(urlsplit(url).path.lstrip("/"))


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    pool = await open_pool(database_url, max_size=20)
    yield pool
    await pool.close()
