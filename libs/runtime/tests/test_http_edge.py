"""Every service's HTTP app, served by uvicorn over real HTTP: one SERVER span per request that
continues the caller's trace (none for probes and scrapes), and request bodies over the limit
answered 413 before any of them reaches a route."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceHost, ServiceSettings, http_app, limit_body

MiB = 1024 * 1024
TRACE_ID, PARENT_ID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # Named IPPROTO_TCP, asyncio sets TCP_NODELAY on its connections (else ~40 ms a request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task  # raises why it could not start
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


@pytest.fixture
def app(exporter: InMemorySpanExporter) -> FastAPI:
    """A service's app as the host builds it, with routes like the services': a probe, an
    admin route with a path parameter and an OCPI app mounted at /ocpi; `app.state.bodies`
    holds the size of each body a route received."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = http_app("edge", ServiceSettings().http_max_body_bytes, tracer_provider=provider)
    app.state.bodies = []

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.post("/admin/things/{thing_id}")
    async def take(thing_id: str, request: Request) -> dict[str, int]:
        app.state.bodies.append(len(await request.body()))
        return {"bytes": app.state.bodies[-1]}

    ocpi = FastAPI()

    @ocpi.put("/emsp/2.2.1/tokens/{country_code}/{party_id}/{token_uid}")
    async def put_token(country_code: str, party_id: str, token_uid: str) -> dict[str, int]:
        return {"status_code": 1000}

    app.mount("/ocpi", ocpi)
    return app


def _server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.kind is SpanKind.SERVER]


async def test_a_request_with_a_traceparent_makes_one_server_span_named_by_route_under_it(
    app: FastAPI, exporter: InMemorySpanExporter
) -> None:
    async with served(app) as http:
        answer = await http.put(
            "/ocpi/emsp/2.2.1/tokens/DE/EMX/TX1", json={}, headers={"traceparent": TRACEPARENT}
        )
        assert answer.status_code == 200
        await http.post("/admin/things/42", content=b"{}")
    ocpi, admin = _server_spans(exporter)
    assert ocpi.name == "PUT /ocpi/emsp/2.2.1/tokens/{country_code}/{party_id}/{token_uid}"
    assert dict(ocpi.attributes or {})["http.route"] == ocpi.name.removeprefix("PUT ")
    assert ocpi.parent is not None
    assert ocpi.parent.is_remote
    parent = (f"{ocpi.parent.trace_id:032x}", f"{ocpi.parent.span_id:016x}")
    assert parent == (TRACE_ID, PARENT_ID)
    assert admin.name == "POST /admin/things/{thing_id}"
    assert admin.parent is None
    assert len(exporter.get_finished_spans()) == 2  # no per-operation spans under them


async def test_probes_and_scrapes_make_no_span(
    app: FastAPI, exporter: InMemorySpanExporter
) -> None:
    async with served(app) as http:
        for path in ("/healthz", "/readyz", "/metrics"):
            await http.get(path, headers={"traceparent": TRACEPARENT})
    assert exporter.get_finished_spans() == ()


async def test_a_body_declared_over_the_limit_gets_413_naming_it_and_reaches_no_route(
    app: FastAPI, exporter: InMemorySpanExporter
) -> None:
    async with served(app) as http:
        for size in (MiB + 1, 4 * MiB):
            answer = await http.post("/admin/things/1", content=b"x" * size)
            assert answer.status_code == 413
            assert answer.json() == {
                "detail": f"request body larger than the limit of {MiB} bytes",
                "limit_bytes": MiB,
            }
        # The connection outlives a refusal: the next request on it is answered.
        assert (await http.post("/admin/things/1", content=b"{}")).status_code == 200
    assert app.state.bodies == [2]
    assert [s.name for s in _server_spans(exporter)][:2] == ["POST", "POST"]  # routed nowhere


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


async def test_a_chunked_body_that_grows_over_the_limit_gets_413_and_reaches_no_route(
    app: FastAPI,
) -> None:
    async with served(app) as http:
        for size in (MiB + 1, 4 * MiB):
            answer = await http.post("/admin/things/1", content=_chunks(size))
            assert answer.status_code == 413, size
            assert answer.json()["limit_bytes"] == MiB
    assert app.state.bodies == []


async def test_a_body_at_the_limit_reaches_its_route_whole_declared_or_chunked(
    app: FastAPI,
) -> None:
    async with served(app) as http:
        declared = await http.post("/admin/things/1", content=b"x" * MiB)
        chunked = await http.post("/admin/things/1", content=_chunks(MiB))
        empty = await http.post("/admin/things/1")
    assert [declared.status_code, chunked.status_code, empty.status_code] == [200, 200, 200]
    assert app.state.bodies == [MiB, MiB, 0]


class EdgeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_EDGE_", extra="ignore")


async def test_the_service_host_limits_bodies_as_its_settings_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ServiceSettings().http_max_body_bytes == MiB
    monkeypatch.setenv("EVROAM_EDGE_HTTP_MAX_BODY_BYTES", "1000")
    host = ServiceHost("edge", EdgeSettings(admin_token="t"))
    admin = {"Authorization": "Bearer wrong"}
    async with served(host.app) as http:
        over = await http.post("/admin/projections/verify", content=b"x" * 1001, headers=admin)
        within = await http.post("/admin/projections/verify", content=b"x" * 1000, headers=admin)
    assert (over.status_code, over.json()["limit_bytes"]) == (413, 1000)
    assert within.status_code == 401  # past the limit, on to the route's own checks


def test_limiting_an_app_already_limited_changes_nothing() -> None:
    # Roaming limits the app it mounts OCPI on, which the host limited already.
    app = http_app("edge", 1000)
    limit_body(app, 5)
    assert [m.kwargs for m in app.user_middleware] == [{"max_bytes": 1000}]
