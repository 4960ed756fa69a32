from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore import open_pool
from evroam_testing.infra import Infra


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    with infra.migrated_database("eventstore") as url:
        yield url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    pool = await open_pool(database_url, max_size=20)
    yield pool
    await pool.close()
