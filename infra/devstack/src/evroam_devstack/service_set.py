"""Run a set of services as child processes: migrate, start, wait for /readyz, stop."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from evroam_devstack.children import ChildProcess, log_tail, stop_all
from evroam_devstack.progress import Progress
from evroam_devstack.services import (
    ServiceCommand,
    ServiceConfig,
    python_module_command,
    service_env,
)


class ServiceStartError(RuntimeError):
    """A service's migration failed or its process exited while starting."""


class ServiceNotReadyError(RuntimeError):
    """A service did not answer 200 on /readyz before the deadline."""


class ServiceSet:
    def __init__(
        self,
        configs: Sequence[ServiceConfig],
        *,
        kafka_bootstrap_servers: str,
        admin_token: str,
        log_dir: Path,
        command: ServiceCommand = python_module_command,
        extra_env: Mapping[str, str] | None = None,
        base_env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        progress: Progress | None = None,
        stop_grace: float = 10.0,
    ) -> None:
        self.configs = {config.name: config for config in configs}
        self.kafka_bootstrap_servers = kafka_bootstrap_servers
        self.admin_token = admin_token
        self.log_dir = log_dir
        self.command = command
        self.extra_env = dict(extra_env or {})
        self.base_env = dict(base_env if base_env is not None else os.environ)
        self.cwd = cwd
        self.progress = progress or Progress.silent()
        self.stop_grace = stop_grace
        self._processes: dict[str, ChildProcess] = {}

    @property
    def names(self) -> list[str]:
        return list(self.configs)

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def env(self, name: str) -> dict[str, str]:
        return service_env(
            self.configs[name],
            kafka_bootstrap_servers=self.kafka_bootstrap_servers,
            admin_token=self.admin_token,
            base_env=self.base_env,
            extra_env=self.extra_env,
        )

    def pid(self, name: str) -> int | None:
        process = self._processes.get(name)
        return process.pid if process and process.running else None

    def running(self, name: str) -> bool:
        process = self._processes.get(name)
        return process is not None and process.running

    def exited(self) -> dict[str, int]:
        """Services that were started and have exited since, with their exit codes."""
        codes = {name: process.returncode for name, process in self._processes.items()}
        return {name: code for name, code in codes.items() if code is not None}

    def migrate_and_start(self, timeout: float = 60.0) -> None:
        """Migrate every service in parallel, start each once migrated, wait for all /readyz."""
        deadline = time.monotonic() + timeout
        try:
            self._migrate_then_start(self.names, deadline)
            self.wait_ready(self.names, deadline=deadline)
        except BaseException:
            self.stop_all()
            raise

    def start(self, name: str, *, wait: bool = True, timeout: float = 60.0) -> None:
        process = self._spawn(name, "run")
        self._processes[name] = process
        self.progress("started", f"{name} (pid {process.pid})")
        if wait:
            self.wait_ready([name], deadline=time.monotonic() + timeout)

    def stop(self, name: str, grace: float | None = None) -> None:
        process = self._processes.get(name)
        if process is not None and process.running:
            process.stop(self.stop_grace if grace is None else grace)
            self.progress("stopped", f"{name} (exit {process.returncode})")

    def stop_all(self, grace: float | None = None) -> None:
        stop_all(self._processes.values(), self.stop_grace if grace is None else grace)

    def wait_ready(self, names: Iterable[str], *, deadline: float) -> None:
        pending = {name: "not asked yet" for name in names}
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while pending:
                for name in list(pending):
                    self._raise_if_exited(name)
                    ready, answer = _probe(client, self.configs[name])
                    if ready:
                        del pending[name]
                        self.progress("ready", name)
                    else:
                        pending[name] = answer
                if pending and time.monotonic() >= deadline:
                    raise ServiceNotReadyError(self._not_ready_report(pending))
                if pending:
                    time.sleep(0.1)

    def _migrate_then_start(self, names: Sequence[str], deadline: float) -> None:
        migrations = {name: self._spawn(name, "migrate") for name in names}
        try:
            while migrations:
                for name, process in list(migrations.items()):
                    if process.returncode is None:
                        continue
                    del migrations[name]
                    if process.returncode != 0:
                        raise ServiceStartError(
                            f"{name}: migrate exited with {process.returncode}\n{self._tail(name)}"
                        )
                    self.progress("migrated", name)
                    self.start(name, wait=False)
                if migrations and time.monotonic() >= deadline:
                    raise ServiceNotReadyError(
                        f"migrations still running at the deadline: {', '.join(migrations)}"
                    )
                time.sleep(0.02)
        finally:
            stop_all(migrations.values(), grace=2.0)

    def _spawn(self, name: str, action: str) -> ChildProcess:
        argv = list(self.command(name, action))
        log_path = self.log_path(name)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("a", encoding="utf-8") as log:
            log.write(f"=== {datetime.now(UTC).isoformat()} evroam-devstack: {' '.join(argv)}\n")
        process = ChildProcess(
            f"{name} {action}", argv, log_path=log_path, env=self.env(name), cwd=self.cwd
        )
        process.start()
        return process

    def _raise_if_exited(self, name: str) -> None:
        process = self._processes.get(name)
        if process is None or process.returncode is not None:
            code = process.returncode if process else "never started"
            raise ServiceStartError(f"{name} exited while starting ({code})\n{self._tail(name)}")

    def _not_ready_report(self, pending: Mapping[str, str]) -> str:
        lines = [f"services not ready: {', '.join(pending)}"]
        for name, answer in pending.items():
            lines.append(f"--- {name}: /readyz -> {answer}")
            lines.append(self._tail(name))
        return "\n".join(lines)

    def _tail(self, name: str, lines: int = 30) -> str:
        path = self.log_path(name)
        return f"--- tail of {path} ---\n{log_tail(path, lines)}"


def _probe(client: httpx.Client, config: ServiceConfig) -> tuple[bool, str]:
    try:
        response = client.get(f"{config.http_url}/readyz")
    except httpx.HTTPError as error:
        return False, f"{type(error).__name__}: {error}"
    if response.status_code == 200:
        return True, "200"
    return False, f"{response.status_code} {response.text[:500]}"
