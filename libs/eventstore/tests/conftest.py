from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore import apply_migrations, open_pool
from evroam_testing.infra import Infra


@pytest.fixture
def database_url(infra: Infra) -> str:
    url = infra.create_database(prefix="eventstore")
    apply_migrations(url)
    return url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    pool = await open_pool(database_url, max_size=20)
    yield pool
    await pool.close()
