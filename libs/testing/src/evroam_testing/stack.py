"""Every evroam service running on test infrastructure, for flow and fault tests.

Built on the devstack's `ServiceSet`: each service gets a fresh database on the infra's
cluster (named `evroam_<svc>_<run id>`; dropped at the end when the cluster is the
environment's, which outlives the run), the catalogue's topics, free ports, one admin token,
and its own log file.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evroam_devstack import (
    SERVICES,
    PortAllocator,
    Progress,
    ServiceCommand,
    ServiceConfig,
    ServiceSet,
    plan_services,
    python_module_command,
)
from evroam_devstack.children import log_tail
from evroam_devstack.services import OCPI_SERVICE, OCPP_SERVICE
from evroam_testing.infra import Infra


@dataclass
class Stack:
    infra: Infra
    admin_token: str
    service_set: ServiceSet
    log_dir: Path

    @property
    def services(self) -> list[str]:
        return self.service_set.names

    @property
    def http_urls(self) -> dict[str, str]:
        return {name: config.http_url for name, config in self.service_set.configs.items()}

    @property
    def database_urls(self) -> dict[str, str]:
        return {name: config.database_url for name, config in self.service_set.configs.items()}

    @property
    def ocpp_url(self) -> str:
        """`ws://127.0.0.1:<port>/ocpp`; stations connect to `<ocpp_url>/<station id>`."""
        url = self._config(OCPP_SERVICE).ocpp_url
        if url is None:
            raise LookupError("the gateway runs without an OCPP port")
        return url

    @property
    def ocpi_versions_url(self) -> str:
        return f"{self._config(OCPI_SERVICE).http_url}/ocpi/versions"

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def url(self, service: str) -> str:
        return self._config(service).http_url

    def stop(self, service: str, grace: float = 10.0) -> None:
        """SIGTERM the service (SIGKILL after `grace` s); the rest keeps running."""
        self.service_set.stop(service, grace)

    def start(self, service: str, timeout: float = 60.0) -> None:
        """Start a stopped service on the same ports and database; wait for its /readyz."""
        if self.service_set.running(service):
            raise RuntimeError(f"{service} is already running")
        self.service_set.start(service, timeout=timeout)

    async def astop(self, service: str, grace: float = 10.0) -> None:
        """`stop` for async tests: the event loop keeps running while the service stops."""
        await asyncio.to_thread(self.stop, service, grace)

    async def astart(self, service: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """`start` for async tests. The process is forked from this (the main) thread, so it
        still dies with the test run; only the wait for /readyz runs in a worker thread, which
        `asyncio.timeout` could not cancel, hence the parameter."""
        if self.service_set.running(service):
            raise RuntimeError(f"{service} is already running")
        self.service_set.start(service, wait=False)
        await asyncio.to_thread(self.service_set.wait_ready, [service], deadline=_deadline(timeout))

    def restart(self, extra_env: Mapping[str, str] | None = None, timeout: float = 60.0) -> None:
        """Restart every service, with `extra_env` replacing the previous extra environment
        when given (e.g. `{"OTEL_EXPORTER_OTLP_ENDPOINT": receiver_url}` for a tracing test)."""
        self.service_set.stop_all()
        if extra_env is not None:
            self.service_set.extra_env = dict(extra_env)
        for name in self.services:
            self.service_set.start(name, wait=False)
        self.service_set.wait_ready(self.services, deadline=_deadline(timeout))

    def log_path(self, service: str) -> Path:
        return self.service_set.log_path(service)

    def log_tails(self, lines: int = 40) -> str:
        parts = []
        for name in self.services:
            path = self.log_path(name)
            parts.append(f"----- {name} ({path}) -----\n{log_tail(path, lines)}")
        return "\n".join(parts)

    def _config(self, service: str) -> ServiceConfig:
        try:
            return self.service_set.configs[service]
        except KeyError:
            raise LookupError(f"{service} is not part of this stack ({self.services})") from None


@contextmanager
def running_stack(
    infra: Infra,
    *,
    log_dir: Path,
    services: Sequence[str] = SERVICES,
    command: ServiceCommand = python_module_command,
    extra_env: Mapping[str, str] | None = None,
    # Migrations run one service after another, then seven processes import and join their
    # consumer groups (about 5 s each on the devstack broker) on 2 cores: 60 s was too tight.
    ready_timeout: float = 120.0,
    progress: Progress | None = None,
) -> Iterator[Stack]:
    """Topics, fresh databases, migrations, every service on free ports, until the block ends."""
    infra.create_topics()
    run_id = secrets.token_hex(3)
    database_urls: dict[str, str] = {}
    try:
        for service in services:
            database_urls[service] = infra.create_database(f"evroam_{service}_{run_id}")
        service_set = ServiceSet(
            plan_services(
                services, database_urls=database_urls, ports=PortAllocator(prefer_defaults=False)
            ),
            kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
            admin_token=secrets.token_urlsafe(24),
            log_dir=log_dir,
            command=command,
            extra_env=extra_env,
            progress=progress,
        )
        service_set.migrate_and_start(timeout=ready_timeout)
        try:
            yield Stack(infra, service_set.admin_token, service_set, log_dir)
        finally:
            service_set.stop_all()
    finally:
        if infra.kind == "env":  # other kinds are thrown away whole
            for service in database_urls:
                infra.drop_database(f"evroam_{service}_{run_id}")


def _deadline(timeout: float) -> float:
    return time.monotonic() + timeout
