"""A scratch database per test on the suite's PostgreSQL and the suite's broker (the `infra`
fixture of evroam_testing: the environment's, testcontainers' or the devstack's), and the
roaming service's HTTP app on them. Databases are named evroam_roaming_it_<random> and
dropped afterwards. Helpers are fixtures, except what the isolation suites share
(`isolation_world`): this directory goes on sys.path for it, as pytest's importlib mode puts
no test directory there.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

import evroam_roaming.app
from evroam_contracts import Envelope, Event
from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.cdr import Cdr, CdrIssued
from evroam_contracts.ids import new_id
from evroam_eventstore import open_pool
from evroam_eventstore.projections import ProjectionRunner
from evroam_messaging import Consumer, Producer
from evroam_messaging.consumer import process
from evroam_roaming.adapters.ocpi_client import OcpiClient
from evroam_roaming.app import cdr_consumer, mount_http, projections
from evroam_roaming.consumers import cpo_objects_consumer
from evroam_roaming.emsp_consumers import emsp_tokens_consumer
from evroam_roaming.projections.partners import PartnersV1
from evroam_roaming.settings import RoamingSettings
from evroam_runtime import sql_dir
from evroam_testing.infra import Infra
from evroam_testing.ocpi_partner import OcpiPartner

sys.path.insert(0, str(Path(__file__).parent))  # for isolation_world

ADMIN_TOKEN = "it-admin-token"
PUBLIC_URL = "https://roaming.example"


@pytest.fixture
def database_url(infra: Infra) -> Iterator[str]:
    with infra.migrated_database("evroam_roaming_it", sql_dir(evroam_roaming.app.__file__)) as url:
        yield url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    pool = await open_pool(database_url, min_size=1, max_size=4, wait_s=10)
    async with pool.connection() as conn:
        for projection in projections():  # what the projection runner does at start
            await conn.execute(projection.ddl)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def kafka(infra: Infra) -> str:
    """The broker, with the catalogue's topics (existing ones are left as they are)."""
    infra.create_topics()
    return infra.kafka_bootstrap_servers


@pytest.fixture
def public_url() -> str:
    return PUBLIC_URL


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def ocpi_auth() -> Callable[[str], dict[str, str]]:
    """The OCPI 2.2.1 Authorization header for a credentials token (section 1.2)."""
    return lambda token: {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@pytest.fixture
async def client(pool: AsyncConnectionPool, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP on the service's own routes: admin API and OCPI, mounted as `wire` mounts them."""
    settings = RoamingSettings(
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        public_url=PUBLIC_URL,
    )
    app = FastAPI()
    async with httpx.AsyncClient() as outbound:
        mount_http(app, pool, settings, OcpiClient(outbound, 5.0))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
            yield http


@pytest.fixture
def register(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    database_url: str,
    admin_headers: dict[str, str],
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Register a partner through the admin API and fold the projection, as the service's
    projection runner would; returns the admin API's answer (with the token)."""

    async def call(country_code: str, party_id: str, role: str = "EMSP") -> dict[str, Any]:
        response = await client.post(
            "/admin/partners",
            headers=admin_headers,
            json={
                "name": f"{country_code}*{party_id}",
                "country_code": country_code,
                "party_id": party_id,
                "role": role,
            },
        )
        assert response.status_code == 201, response.text
        await ProjectionRunner(pool, database_url, [PartnersV1()]).step()
        answer: dict[str, Any] = response.json()
        return answer

    return call


@pytest.fixture
def cdr_envelope() -> Callable[[Cdr], Envelope]:
    """`cdr.issued` as the cdr service's relay publishes it, with a fresh event id."""

    def build(cdr: Cdr) -> Envelope:
        event = CdrIssued(cdr=cdr, time_zone="Europe/Brussels")
        return _relayed(event, f"cdr-{cdr.id}", 1, datetime.now(UTC))

    return build


class _Record:
    """What the consumer reads off a Kafka record."""

    def __init__(self, envelope: Envelope) -> None:
        self.topic, self.partition, self.offset = "evroam.cdr.events", 0, 0
        self.key, self.value, self.headers = envelope.key, envelope.value(), envelope.headers()


@pytest.fixture
def deliver(pool: AsyncConnectionPool) -> Callable[..., Awaitable[None]]:
    """Hand an envelope to a consumer exactly as its Kafka subscriber would."""

    async def call(envelope: Envelope, consumer: Consumer, producer: Producer) -> None:
        await process(consumer, pool, producer, _Record(envelope))

    return call


@pytest.fixture
def unstarted_producer() -> Producer:
    """For deliveries that must not dead-letter: using it would fail the test loudly."""
    return Producer("127.0.0.1:9", "roaming-it")


@pytest.fixture
def issue(
    deliver: Callable[..., Awaitable[None]],
    cdr_envelope: Callable[[Cdr], Envelope],
    unstarted_producer: Producer,
) -> Callable[[Cdr], Awaitable[Envelope]]:
    """Deliver `cdr.issued` for a CDR to the roaming consumer; it must be handled."""
    producer = unstarted_producer

    async def call(cdr: Cdr) -> Envelope:
        envelope, consumer = cdr_envelope(cdr), cdr_consumer()
        await deliver(envelope, consumer, producer)
        assert (consumer.handled, consumer.dead_lettered) == (1, 0)
        return envelope

    return call


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave the test runner's signals alone
        yield


@dataclass
class Roaming:
    """The roaming service's HTTP app on a real port of 127.0.0.1, its projections running."""

    url: str
    http: httpx.AsyncClient
    settings: RoamingSettings
    client: OcpiClient
    pool: AsyncConnectionPool | None = None

    @property
    def versions_url(self) -> str:
        return f"{self.url}/ocpi/versions"

    async def admit(self, country_code: str, party_id: str, role: str = "EMSP") -> str:
        """Register a partner through the admin API; returns the token it issued (A)."""
        return (await self.admitted(country_code, party_id, role))[0]

    async def admitted(self, country_code: str, party_id: str, role: str) -> tuple[str, str]:
        """Register a partner through the admin API: the token it issued (A), once the
        partners projection accepts it, and the partner's id."""
        response = await self.http.post(
            "/admin/partners",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            json={
                "name": f"{country_code}*{party_id}",
                "country_code": country_code,
                "party_id": party_id,
                "role": role,
            },
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        await self.recognised(token)
        return token, response.json()["partner_id"]

    async def connected(self, partner_id: str, timeout_s: float = 5.0) -> None:
        """Wait until the partner's handshake is folded into the partner connections (the
        projection runner polls): what we send a partner is addressed from that view."""
        assert self.pool is not None
        async with asyncio.timeout(timeout_s):
            while True:
                async with self.pool.connection() as conn:
                    cur = await conn.execute(
                        "SELECT 1 FROM view_partner_connections_v1 WHERE partner_id = %s",
                        (partner_id,),
                    )
                    if await cur.fetchone() is not None:
                        return
                await asyncio.sleep(0.02)

    async def recognised(self, token: str, timeout_s: float = 5.0) -> None:
        """Wait until the partners projection accepts `token`."""
        auth = {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}
        async with asyncio.timeout(timeout_s):
            while True:
                if (await self.http.get("/ocpi/versions", headers=auth)).status_code == 200:
                    return
                await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _serve(
    pool: AsyncConnectionPool, database_url: str, producer: Producer | None = None
) -> AsyncIterator[Roaming]:
    """`producer`: where the Commands Receiver publishes station commands (none: no commands)."""
    # Named IPPROTO_TCP, asyncio sets TCP_NODELAY on its connections (else ~40 ms a request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = RoamingSettings(database_url=database_url, admin_token=ADMIN_TOKEN, public_url=url)
    app, stop = FastAPI(), asyncio.Event()
    async with httpx.AsyncClient() as outbound, httpx.AsyncClient(base_url=url) as http:
        client = OcpiClient(outbound, 5.0)
        mount_http(app, pool, settings, client, producer=producer)
        server = _Server(uvicorn.Config(app, log_config=None, lifespan="off", access_log=False))
        runner = ProjectionRunner(pool, database_url, projections(), poll_interval_s=0.2)
        tasks = [
            asyncio.create_task(server.serve(sockets=[sock])),
            asyncio.create_task(runner.run(stop)),
        ]
        while not server.started:
            if tasks[0].done():
                await tasks[0]  # raises why it could not start
            await asyncio.sleep(0.01)
        try:
            yield Roaming(url, http, settings, client, pool)
        finally:
            stop.set()
            server.should_exit = True
            await asyncio.gather(*tasks)


ServeRoaming = Callable[..., contextlib.AbstractAsyncContextManager[Roaming]]


@pytest.fixture(scope="session")
def serve_roaming() -> ServeRoaming:
    """Run the service's HTTP app and projections on a database, for as long as a block."""
    return _serve


@pytest.fixture
async def roaming(
    serve_roaming: ServeRoaming, pool: AsyncConnectionPool, database_url: str
) -> AsyncIterator[Roaming]:
    async with serve_roaming(pool, database_url) as served:
        yield served


@pytest.fixture
async def connect_partner(
    roaming: Roaming,
) -> AsyncIterator[Callable[..., Awaitable[OcpiPartner]]]:
    """A started eMSP partner, admitted by our operator and registered over OCPI."""
    async with contextlib.AsyncExitStack() as stack:

        async def connect(country_code: str, party_id: str) -> OcpiPartner:
            partner = await stack.enter_async_context(OcpiPartner(country_code, party_id))
            token_a = await roaming.admit(country_code, party_id)
            await partner.register(roaming.versions_url, token_a)
            return partner

        yield connect


class OwnTokens:
    """Our drivers' tokens as the authorization service's relay publishes them
    (`token.registered`), delivered to one eMSP tokens consumer; each must be handled (or be
    a duplicate)."""

    def __init__(self, deliver: Callable[..., Awaitable[None]], producer: Producer) -> None:
        self.consumer = emsp_tokens_consumer()
        self._deliver, self._producer = deliver, producer

    async def add(
        self, uid: str, *, version: int = 1, event_id: Any = None, **fields: Any
    ) -> Envelope:
        """An RFID card of NL*EVR unless `fields` say otherwise, at stream version `version`."""
        event = TokenRegistered(**(OWN_TOKEN | {"uid": uid} | fields))
        stream = f"token-NL-EVR-{event.type}-{uid}"
        envelope = _relayed(event, stream, version, datetime.now(UTC), event_id)
        await self._deliver(envelope, self.consumer, self._producer)
        assert self.consumer.dead_lettered == 0
        return envelope


OWN_TOKEN: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "EVR",
    "type": "RFID",
    "contract_id": "NL-EVR-C12345678-X",
    "issuer": "evroam",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-11-21T10:00:00Z",
}


@pytest.fixture
def own_token(deliver: Callable[..., Awaitable[None]], unstarted_producer: Producer) -> OwnTokens:
    return OwnTokens(deliver, unstarted_producer)


ConnectCpo = Callable[..., Awaitable[tuple[OcpiPartner, str]]]


@pytest.fixture
async def connect_cpo(roaming: Roaming) -> AsyncIterator[ConnectCpo]:
    """`(cc, pid, role="CPO", plays_cpo=True)`: a started partner admitted with `role` and
    registered over OCPI, playing a CPO (Sender lists, Tokens and Commands Receivers) unless
    told otherwise; returns it and its partner id once its connection is in the view we
    address partners from."""
    async with contextlib.AsyncExitStack() as stack:

        async def connect(
            cc: str, pid: str, role: str = "CPO", plays_cpo: bool = True
        ) -> tuple[OcpiPartner, str]:
            partner = await stack.enter_async_context(OcpiPartner(cc, pid))
            partner.plays_cpo = plays_cpo
            token_a, partner_id = await roaming.admitted(cc, pid, role)
            await partner.register(roaming.versions_url, token_a)
            await roaming.connected(partner_id)
            return partner, partner_id

        yield connect


Feed = Callable[..., Awaitable[Envelope]]


def _relayed(
    event: Event, stream: str, version: int, at: datetime | str, event_id: Any = None
) -> Envelope:
    """`event` as its producer's relay publishes it: on `stream` at `version`, recorded at
    `at`, with a fresh event id unless given one."""
    return Envelope(
        event_id=event_id or new_id(),
        type=event.type_name,
        version=event.version,
        source=f"evroam.{event.producer}",
        time=datetime.fromisoformat(at) if isinstance(at, str) else at,
        stream_id=stream,
        stream_version=version,
        payload=event.to_json_dict(),
    )


@pytest.fixture
def feed(deliver: Callable[..., Awaitable[None]], unstarted_producer: Producer) -> Feed:
    """Deliver an event to the CPO objects consumer as its producer's relay publishes it: on
    `stream` at `version`, recorded at `at`; it must be handled (or be a duplicate)."""
    consumer = cpo_objects_consumer()

    async def call(
        event: Event,
        *,
        stream: str,
        version: int,
        at: datetime | str,
        event_id: Any = None,
    ) -> Envelope:
        envelope = _relayed(event, stream, version, at, event_id)
        await deliver(envelope, consumer, producer=unstarted_producer)
        assert consumer.dead_lettered == 0
        return envelope

    return call


@dataclass
class ModuleRoaming:
    """One database, one producer and the served app (its Commands Receiver included), shared
    by every test of a module: table-driven suites set their partners and objects up once."""

    roaming: Roaming
    pool: AsyncConnectionPool
    partners: contextlib.AsyncExitStack

    async def connect(self, cc: str, pid: str, role: str = "EMSP") -> tuple[OcpiPartner, str, str]:
        """A started partner (playing a CPO for role CPO), admitted with `role` and registered
        over OCPI: the partner, the token A it spent, and its partner id."""
        partner = await self.partners.enter_async_context(OcpiPartner(cc, pid))
        partner.plays_cpo = role == "CPO"
        token_a, partner_id = await self.roaming.admitted(cc, pid, role)
        await partner.register(self.roaming.versions_url, token_a)
        return partner, token_a, partner_id

    async def deliver(self, envelope: Envelope, consumer: Consumer) -> None:
        """Hand an envelope to a consumer as its Kafka subscriber would; it must not DLQ."""
        await process(consumer, self.pool, Producer("127.0.0.1:9", "roaming-it"), _Record(envelope))
        assert consumer.dead_lettered == 0

    async def feed(
        self, event: Event, stream: str, at: str, version: int = 1, consumer: Consumer | None = None
    ) -> None:
        """Hand `event` to `consumer` (the CPO objects consumer unless given) as its producer's
        relay publishes it, on `stream` at `version`, recorded at `at`."""
        envelope = _relayed(event, stream, version, at)
        await self.deliver(envelope, consumer or cpo_objects_consumer())

    async def written(self) -> dict[str, str]:
        """A digest of each table a request may write (the log included; not the read models
        the projections fold from it): equal before and after, nothing was written."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'view\\_%'"
                " AND table_name NOT LIKE '%checkpoints' ORDER BY table_name"
            )
            tables = [t for (t,) in await cur.fetchall()]
            digests = ", ".join(
                f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {t} t)"
                for t in tables
            )
            row = await (await conn.execute(f"SELECT {digests}")).fetchone()
        assert row is not None
        return dict(zip(tables, row, strict=True))


@pytest.fixture(scope="module")
async def module_roaming(infra: Infra, kafka: str) -> AsyncIterator[ModuleRoaming]:
    with infra.migrated_database("evroam_roaming_it", sql_dir(evroam_roaming.app.__file__)) as url:
        pool = await open_pool(url, min_size=1, max_size=4, wait_s=10)
        producer = Producer(kafka, "roaming-module-it")
        try:
            async with pool.connection() as conn:
                for projection in projections():
                    await conn.execute(projection.ddl)
            await producer.start()
            async with _serve(pool, url, producer) as served, contextlib.AsyncExitStack() as stack:
                yield ModuleRoaming(served, pool, stack)
        finally:
            await producer.stop()
            await pool.close()
