"""The whole devstack: broker, PostgreSQL, topics, databases, migrations, every service.

Every run is fresh: the broker keeps topics in memory and PostgreSQL gets a new cluster, so
an event store never outlives the Kafka log its relay published to.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from evroam_devstack.broker import Broker
from evroam_devstack.catalogue import load_catalogue
from evroam_devstack.children import pid_alive
from evroam_devstack.endpoints import (
    ENDPOINTS_FILE,
    Endpoints,
    ServiceEndpoint,
    write_endpoints,
)
from evroam_devstack.kafka_admin import create_topics
from evroam_devstack.ports import PortAllocator
from evroam_devstack.postgres import Postgres, create_database
from evroam_devstack.progress import Progress
from evroam_devstack.service_set import ServiceSet
from evroam_devstack.services import (
    OCPI_SERVICE,
    OCPP_SERVICE,
    SERVICES,
    ServiceCommand,
    plan_services,
    python_module_command,
)

DEFAULT_STATE_DIR = Path(".devstack")
PID_FILE = "devstack.pid"
DEFAULT_KAFKA_PORT = 9092
DEFAULT_POSTGRES_PORT = 5432


class StateDirInUseError(RuntimeError):
    """Another devstack runs with the same state directory."""


def service_database(service: str) -> str:
    return f"evroam_{service}"


class Devstack:
    """`with Devstack(state_dir) as devstack: devstack.up()` runs everything until the block ends.

    `start_infra()` alone gives broker, PostgreSQL, topics and databases (the `infra` command).
    """

    def __init__(
        self,
        state_dir: Path = DEFAULT_STATE_DIR,
        *,
        services: Sequence[str] = SERVICES,
        command: ServiceCommand = python_module_command,
        extra_env: Mapping[str, str] | None = None,
        free_ports: bool = False,
        ready_timeout: float = 60.0,
        catalogue: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.services = tuple(services)
        self.command = command
        self.extra_env = dict(extra_env or {})
        self.ready_timeout = ready_timeout
        self.catalogue = catalogue
        self.progress = progress or Progress()
        self.admin_token = secrets.token_urlsafe(24)
        self.ports = PortAllocator(prefer_defaults=not free_ports, warn=self.progress.warn)
        self.broker: Broker | None = None
        self.postgres: Postgres | None = None
        self.service_set: ServiceSet | None = None
        self.database_urls: dict[str, str] = {}
        self._claimed = False

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def endpoints_path(self) -> Path:
        return self.state_dir / ENDPOINTS_FILE

    def up(self) -> Endpoints:
        self.start_infra()
        self.start_services()
        self.write_endpoints()
        return self.endpoints()

    def start_infra(self) -> None:
        self._claim_state_dir()
        self._clear_logs()
        self.broker = Broker(
            port=self.ports.take("kafka", DEFAULT_KAFKA_PORT), log_path=self.log_dir / "broker.log"
        )
        self.broker.spawn()
        self.progress("broker", f"tansu starting on {self.broker.bootstrap_servers}")
        self.postgres = Postgres(
            port=self.ports.take("postgres", DEFAULT_POSTGRES_PORT),
            log_path=self.log_dir / "postgres.log",
        )
        self.postgres.start()
        self.progress("postgres", f"ready on {self.postgres.url}")
        self.broker.wait_ready()
        self.progress("broker", f"ready on {self.broker.bootstrap_servers}")
        self._create_topics(self.broker.bootstrap_servers)
        self._create_databases(self.postgres)

    def start_services(self) -> None:
        if self.broker is None or self.postgres is None:
            raise RuntimeError("start_infra() first")
        configs = plan_services(self.services, database_urls=self.database_urls, ports=self.ports)
        self.service_set = ServiceSet(
            configs,
            kafka_bootstrap_servers=self.broker.bootstrap_servers,
            admin_token=self.admin_token,
            log_dir=self.log_dir,
            command=self.command,
            extra_env=self.extra_env,
            progress=self.progress,
        )
        self.service_set.migrate_and_start(timeout=self.ready_timeout)
        self.progress("up", f"{len(configs)} services ready")

    def endpoints(self) -> Endpoints:
        if self.broker is None or self.postgres is None:
            raise RuntimeError("start_infra() first")
        configs = self.service_set.configs if self.service_set else {}
        services = {
            name: ServiceEndpoint(
                database_url=url,
                http_url=configs[name].http_url if name in configs else None,
                pid=self.service_set.pid(name) if self.service_set else None,
                log=str(self.service_set.log_path(name)) if self.service_set else None,
            )
            for name, url in self.database_urls.items()
        }
        ocpp = configs.get(OCPP_SERVICE)
        ocpi = configs.get(OCPI_SERVICE)
        return Endpoints(
            kafka_bootstrap_servers=self.broker.bootstrap_servers,
            postgres_url=self.postgres.url,
            admin_token=self.admin_token,
            ocpp_url=ocpp.ocpp_url if ocpp else None,
            ocpi_versions_url=f"{ocpi.http_url}/ocpi/versions" if ocpi else None,
            services=services,
        )

    def write_endpoints(self) -> Path:
        return write_endpoints(self.endpoints_path, self.endpoints())

    def stop(self) -> None:
        """Services first (SIGTERM, then SIGKILL after a grace period), broker, then PostgreSQL."""
        if self.service_set is not None:
            self.service_set.stop_all()
            self.progress("services", "stopped")
        if self.broker is not None:
            self.broker.stop()
            self.progress("broker", "stopped")
        if self.postgres is not None:
            self.postgres.stop()
            self.progress("postgres", "stopped")
        if self._claimed:
            self.endpoints_path.unlink(missing_ok=True)
            (self.state_dir / PID_FILE).unlink(missing_ok=True)
            self._claimed = False

    def __enter__(self) -> Devstack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _claim_state_dir(self) -> None:
        """One devstack per state directory: a second one would clobber logs and endpoints."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        pid_file = self.state_dir / PID_FILE
        try:
            owner = int(pid_file.read_text(encoding="ascii"))
        except (OSError, ValueError):
            owner = None
        if owner is not None and owner != os.getpid() and pid_alive(owner):
            raise StateDirInUseError(
                f"a devstack (pid {owner}) already runs with {self.state_dir}; "
                "stop it, or pass another --state-dir"
            )
        pid_file.write_text(str(os.getpid()), encoding="ascii")
        self._claimed = True

    def _clear_logs(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for old in self.log_dir.glob("*.log"):
            old.unlink()

    def _create_topics(self, bootstrap_servers: str) -> None:
        topics = load_catalogue(self.catalogue)
        created = create_topics(bootstrap_servers, topics)
        existed = len(topics) - len(created)
        self.progress("topics", f"{len(created)} created, {existed} existed")

    def _create_databases(self, postgres: Postgres) -> None:
        for service in self.services:
            name = service_database(service)
            create_database(postgres.url, name)
            self.database_urls[service] = postgres.database_url(name)
        self.progress("databases", ", ".join(service_database(s) for s in self.services))
