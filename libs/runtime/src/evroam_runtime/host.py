"""ServiceHost: builds the infrastructure of one service process from its settings, lets the
service wire its consumers, projections, routes and tasks, runs them, and shuts down cleanly
on SIGTERM/SIGINT (stop consuming, finish the message in hand, flush the relay, exit 0)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import uvicorn
from fastapi import Depends
from fastapi.responses import JSONResponse, Response
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg_pool import AsyncConnectionPool
from tenacity import AsyncRetrying, stop_after_delay, wait_exponential

from evroam_contracts.topics import events_topic
from evroam_eventstore import open_pool
from evroam_eventstore.projections import Projection, ProjectionRunner, rebuild
from evroam_eventstore.relay import Relay
from evroam_messaging import Consumer, Producer, make_broker, register_consumer
from evroam_observability import setup_logging, setup_tracing
from evroam_runtime.http import http_app, require_admin
from evroam_runtime.kafka_probe import KafkaProbe
from evroam_runtime.metrics import (
    Counter,
    Gauge,
    ServiceCollector,
    handler_histogram,
    observe_into,
    registry_for,
)
from evroam_runtime.settings import ServiceSettings
from evroam_runtime.version import service_version

log = logging.getLogger(__name__)
Task = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the host owns signals
        yield


class ServiceHost:
    def __init__(self, service: str, settings: ServiceSettings) -> None:
        self.service, self.settings = service, settings
        self.version = service_version(service)
        self.app = http_app(service, settings.http_max_body_bytes, version=self.version)
        self.consumers: list[Consumer] = []
        self.projections: list[Projection] = []
        self.tasks: dict[str, Task] = {}
        self.ready_checks: dict[str, Callable[[], bool]] = {}
        # service-specific gauges and counters on /metrics, by name (counters get `_total`)
        self.gauges: dict[str, Gauge] = {}
        self.counters: dict[str, Counter] = {}
        self._handler_seconds = handler_histogram()
        self._kafka = KafkaProbe(settings.kafka_bootstrap_servers, service, self.consumers)
        self.stop = asyncio.Event()
        self._pool: AsyncConnectionPool | None = None
        self._producer: Producer | None = None
        self.broker: KafkaBroker | None = None
        self.relay: Relay | None = None
        self._routes()

    @property
    def pool(self) -> AsyncConnectionPool:
        assert self._pool is not None, "pool is opened before wire() runs"
        return self._pool

    @property
    def producer(self) -> Producer:
        assert self._producer is not None, "producer is started before wire() runs"
        return self._producer

    def add_consumer(self, consumer: Consumer) -> None:
        observe_into(self._handler_seconds, consumer)
        self.consumers.append(consumer)

    def add_projection(self, projection: Projection) -> None:
        self.projections.append(projection)

    def add_task(self, name: str, task: Task) -> None:
        self.tasks[name] = task

    def _routes(self) -> None:
        @self.app.get("/healthz", include_in_schema=False)
        async def healthz() -> dict[str, str]:
            return {"status": "alive", "service": self.service, "version": self.version}

        @self.app.get("/readyz", include_in_schema=False)
        async def readyz() -> JSONResponse:
            missing = await self._missing()
            body: dict[str, Any] = {"ready": not missing, "service": self.service}
            if missing:
                body["missing"] = missing
            return JSONResponse(body, status_code=503 if missing else 200)

        collector = ServiceCollector(
            self.consumers,
            lambda: self.relay,
            self.gauges,
            self.counters,
            lambda: self._kafka.readings,
            build=(self.service, self.version),
        )
        registry = registry_for(collector, self._handler_seconds)

        @self.app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            await self._kafka.refresh()  # lag and DLQ size as of this scrape
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

        admin = [Depends(require_admin(self.settings.admin_token))]

        @self.app.post("/admin/projections/verify", dependencies=admin)
        async def verify_projections() -> dict[str, Any]:
            """Fold the whole log into scratch tables and compare checksums with the live
            ones, for every projection of this service. Appends nothing, sends nothing."""
            reports = [await rebuild(self.pool, p) for p in self.projections]
            return {
                "service": self.service,
                "equal": all(r.equal for r in reports),
                "projections": [{**dataclasses.asdict(r), "equal": r.equal} for r in reports],
            }

    async def _missing(self) -> list[str]:
        missing = []
        try:
            async with self.pool.connection(timeout=2) as conn:
                await conn.execute("SELECT 1")
        except Exception as exc:  # readiness reports, it does not raise
            missing.append(f"database: {type(exc).__name__}")
        if self._producer is None or not self._producer.started or self.stop.is_set():
            missing.append("broker")
        missing += [f"consumer {c.group}" for c in self.consumers if not c.assigned.is_set()]
        missing += [name for name, ok in self.ready_checks.items() if not ok()]
        return missing

    async def run(self, wire: Callable[[ServiceHost], Awaitable[None]]) -> None:
        s = self.settings
        setup_logging(self.service, s.log_level, version=self.version)
        provider = setup_tracing(self.service, s.instance_id, version=self.version)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        self._pool = await open_pool(s.database_url)
        self._producer = Producer(s.kafka_bootstrap_servers, f"evroam-{self.service}")
        await self._producer.start()
        await wire(self)
        self.broker = make_broker(s.kafka_bootstrap_servers, f"evroam-{self.service}", provider)
        for consumer in self.consumers:
            register_consumer(self.broker, consumer, self.pool, self.producer)
        self.relay = Relay(
            self.pool, s.database_url, self._publish, source=f"evroam.{self.service}"
        )
        runners = [self.relay.run]
        if self.projections:
            runners.append(ProjectionRunner(self.pool, s.database_url, self.projections).run)
        server = _Server(
            uvicorn.Config(
                self.app,
                host=s.http_host,
                port=s.http_port,
                log_config=None,
                lifespan="off",
            )
        )
        background = [asyncio.create_task(r(self.stop)) for r in runners]
        background += [asyncio.create_task(t(self.stop), name=n) for n, t in self.tasks.items()]
        http = asyncio.create_task(server.serve(), name="http")
        await self._start_broker()
        log.info("evroam-%s started on %s:%s", self.service, s.http_host, s.http_port)
        failed = await self._supervise([*background, http])
        log.info("evroam-%s stopping", self.service)
        await self.broker.stop()  # finishes the messages in hand, commits their offsets
        await asyncio.gather(*background, return_exceptions=True)  # relay flushes on stop
        server.should_exit = True
        await http
        await self._kafka.stop()
        await self.producer.stop()
        await self.pool.close()
        provider.shutdown()
        if failed:
            raise SystemExit(f"evroam-{self.service}: {failed}")

    async def _supervise(self, tasks: list[asyncio.Task[Any]]) -> str | None:
        """Wait for the stop signal; a task that ends before it is a failure that stops all."""
        stopper = asyncio.create_task(self.stop.wait())
        done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        failed = None
        for task in done - {stopper}:
            if self.stop.is_set():
                break  # a task that ends because the stop came is not a failure
            exc = None if task.cancelled() else task.exception()
            failed = f"{task.get_name()} ended early: {exc!r}"
            log.error(failed)
        self.stop.set()
        return failed

    async def _publish(self, envelopes: Any) -> None:
        await self.producer.send_envelopes(events_topic(self.service), envelopes)

    async def _start_broker(self) -> None:
        assert self.broker is not None
        if not self.consumers:
            return
        async for attempt in AsyncRetrying(
            stop=stop_after_delay(60), wait=wait_exponential(multiplier=0.2, max=5), reraise=True
        ):
            with attempt:
                await self.broker.start()
