"""A scratch database per test on the suite's PostgreSQL (the `infra` fixture of
evroam_testing: the environment's, testcontainers' or the devstack's), and the authorization
service's HTTP API on it. Databases are named evroam_authorization_it_<random> and dropped
afterwards. Helpers are fixtures: pytest does not put this directory on sys.path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

import evroam_authorization.app
from evroam_authorization.adapters.http import router
from evroam_authorization.projections.tokens import TokensV2
from evroam_eventstore import open_pool
from evroam_eventstore.projections import ProjectionRunner
from evroam_runtime import sql_dir
from evroam_testing.infra import Infra

ADMIN_TOKEN = "it-admin-token"


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    with infra.migrated_database(
        "evroam_authorization_it", sql_dir(evroam_authorization.app.__file__)
    ) as url:
        yield url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    pool = await open_pool(database_url, min_size=1, max_size=4, wait_s=10)
    async with pool.connection() as conn:
        await conn.execute(TokensV2.ddl)  # what the projection runner does at start
    yield pool
    await pool.close()


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def client(pool: AsyncConnectionPool) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP on the service's token routes, mounted as `wire` mounts them."""
    app = FastAPI()
    app.include_router(router(pool, ADMIN_TOKEN))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://authorization") as http:
        yield http


@pytest.fixture
def fold(pool: AsyncConnectionPool, database_url: str) -> Callable[[], Awaitable[int]]:
    """Fold the log into view_tokens_v2, as the service's projection runner would."""
    runner = ProjectionRunner(pool, database_url, [TokensV2()])

    async def call() -> int:
        return await runner.step()

    return call


@pytest.fixture
def a_token() -> Callable[..., dict[str, Any]]:
    """`a_token(uid="X", valid=False)`: a full OCPI Token of eMSP NL*EVR with those changes;
    its contract id is the eMI3 specification's example."""

    def build(**changes: Any) -> dict[str, Any]:
        return {
            "country_code": "NL",
            "party_id": "EVR",
            "uid": "04A1B2C3D4",
            "type": "RFID",
            "contract_id": "DE-8AA-CA2B3C4D5-L",
            "visual_number": "DE-8AA-CA2B3C4D5-L",
            "issuer": "evroam Mobility",
            "group_id": "FAMILY-1",
            "valid": True,
            "whitelist": "ALLOWED",
            "language": "nl",
            "last_updated": "2026-01-01T00:00:00Z",
        } | changes

    return build
