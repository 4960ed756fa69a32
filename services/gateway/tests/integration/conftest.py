"""A scratch gateway database per test on the suite's PostgreSQL (the `infra` fixture of
evroam_testing), the gateway's HTTP routes on it, and builders of registry bodies shaped like
the demo scenario's (cli/src/evroam_cli/scenario.py). Helpers are fixtures: pytest does not
put this directory on sys.path. A test module may define its own `pool`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

import evroam_gateway
from evroam_eventstore import open_pool
from evroam_eventstore.projections import ProjectionRunner
from evroam_gateway.adapters.http import router
from evroam_gateway.projections.registry import RegistryV1
from evroam_runtime import sql_dir
from evroam_testing.infra import Infra

ADMIN_TOKEN = "it-admin-token"
Build = Callable[..., dict[str, Any]]


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    with infra.migrated_database("evroam_gateway_it", sql_dir(evroam_gateway.__file__)) as url:
        yield url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    pool = await open_pool(database_url, min_size=1, max_size=4, wait_s=10)
    async with pool.connection() as conn:
        await conn.execute(RegistryV1.ddl)  # what the projection runner does at start
    yield pool
    await pool.close()


@pytest.fixture
async def client(pool: AsyncConnectionPool) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway's routes as `wire` mounts them; every request carries the admin bearer."""
    app = FastAPI()
    app.include_router(router(pool, ADMIN_TOKEN))
    transport = httpx.ASGITransport(app=app)
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=admin) as c:
        yield c


@pytest.fixture
def fold(pool: AsyncConnectionPool, database_url: str) -> Callable[[], Awaitable[int]]:
    """Fold the log into the registry tables, as the service's projection runner would."""
    runner = ProjectionRunner(pool, database_url, [RegistryV1()])

    async def call() -> int:
        return await runner.step()

    return call


@pytest.fixture
def events(pool: AsyncConnectionPool) -> Callable[[], Awaitable[list[tuple[Any, ...]]]]:
    """Every event in the log: (stream, version, type, payload)."""

    async def call() -> list[tuple[Any, ...]]:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT stream_id, stream_version, type, payload FROM events ORDER BY position"
            )
            return list(await cur.fetchall())

    return call


@pytest.fixture
def a_location() -> Build:
    """`a_location(city="Utrecht")`: the scenario's location LOC-1 of NL/EVR, changed."""

    def build(**changes: Any) -> dict[str, Any]:
        return {
            "location_id": "LOC-1",
            "name": "evroam demo depot",
            "address": "Stationsplein 1",
            "city": "Amsterdam",
            "postal_code": "1012AB",
            "country": "NLD",
            "coordinates": {"latitude": "52.378900", "longitude": "4.900200"},
            "time_zone": "Europe/Amsterdam",
            "country_code": "NL",
            "party_id": "EVR",
        } | changes

    return build


@pytest.fixture
def an_evse() -> Build:
    """`an_evse("EVSE-2", connector=2)`: an EVSE with one connector of that OCPP number."""

    def build(uid: str = "EVSE-1", connector: int = 1, **changes: Any) -> dict[str, Any]:
        plug = {"connector_id": "1", "ocpp_connector_id": connector, "max_power_w": 22000}
        evse_id = f"NL*EVR*E{uid[-1]}A1B2C*1"
        return {"evse_uid": uid, "evse_id": evse_id, "connectors": [plug]} | changes

    return build


@pytest.fixture
def a_station(an_evse: Build) -> Build:
    """`a_station(evse, evse, location_id="LOC-2")`: station CS-1 at LOC-1 (one EVSE by
    default)."""

    def build(*evses: dict[str, Any], **changes: Any) -> dict[str, Any]:
        body = {"station_id": "CS-1", "location_id": "LOC-1", "evses": list(evses or [an_evse()])}
        return body | changes

    return build


@pytest.fixture
def registered(
    client: httpx.AsyncClient, a_location: Build, a_station: Build
) -> Callable[..., Awaitable[None]]:
    """`await registered(*evses)`: LOC-1 and station CS-1 with those EVSEs are registered."""

    async def call(*evses: dict[str, Any]) -> None:
        assert (await client.post("/locations", json=a_location())).status_code == 201
        response = await client.post("/stations", json=a_station(*evses))
        assert response.status_code == 201, response.text

    return call


@pytest.fixture
def faults() -> Callable[[httpx.Response], dict[str, str]]:
    """The fields a 422 names (the last part of each `loc`), with their reasons."""

    def read(response: httpx.Response) -> dict[str, str]:
        assert response.status_code == 422, response.text
        return {str(e["loc"][-1]): e["msg"] for e in response.json()["detail"]}

    return read
