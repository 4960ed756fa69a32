"""evroam's pytest plugin (entry point `pytest11`): infrastructure and running-stack fixtures.

Session fixtures:

- `infra` -> `Infra`: Kafka and PostgreSQL; from the environment, testcontainers or the
  devstack (see `evroam_testing.infra`).
- `stack` -> `Stack`: every service running on `infra`, as processes of this interpreter or,
  when `EVROAM_TEST_SERVICE_IMAGES` names images, in containers (`service_container`). Shape
  it by overriding these session fixtures in the root `conftest.py`: `stack_services` (names),
  `stack_command` (how a service is run), `stack_env` (extra environment for every service,
  e.g. the OTLP endpoint). A test that needs another environment for a while calls
  `stack.restart(extra_env=...)`.

Logs (broker, PostgreSQL, one per service) go to a temporary directory removed at the end,
unless `--evroam-keep-logs` / `EVROAM_TEST_KEEP_LOGS=1` (kept under `.devstack/test-logs/`) or
`--evroam-log-dir DIR` / `EVROAM_TEST_LOG_DIR=DIR`. A failing test's report ends with the tail
of every service log.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evroam_devstack import SERVICES, Progress, ServiceCommand, python_module_command
from evroam_testing.infra import Infra, provide_infra
from evroam_testing.service_container import IMAGES_ENV, container_command
from evroam_testing.stack import Stack, running_stack

KEEP_LOGS_ENV = "EVROAM_TEST_KEEP_LOGS"
LOG_DIR_ENV = "EVROAM_TEST_LOG_DIR"
LOG_TAIL_LINES = 30

_RUNNING_STACK = pytest.StashKey[Stack]()
_KEPT_LOG_DIR = pytest.StashKey[Path]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("evroam", "evroam test infrastructure")
    group.addoption(
        "--evroam-keep-logs",
        action="store_true",
        default=False,
        help=f"keep broker, database and service logs under .devstack/test-logs/ "
        f"(or set {KEEP_LOGS_ENV}=1)",
    )
    group.addoption(
        "--evroam-log-dir",
        default=None,
        metavar="DIR",
        help=f"write and keep those logs in DIR (or set {LOG_DIR_ENV})",
    )


@pytest.fixture(scope="session")
def evroam_log_dir(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    kept = _kept_log_dir(request.config)
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        request.config.stash[_KEPT_LOG_DIR] = kept
        yield kept
        return
    path = tmp_path_factory.mktemp("evroam-logs")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def infra(evroam_log_dir: Path) -> Iterator[Infra]:
    with provide_infra(log_dir=evroam_log_dir) as provided:
        yield provided


@pytest.fixture(scope="session")
def stack_services() -> tuple[str, ...]:
    return SERVICES


@pytest.fixture(scope="session")
def stack_command() -> ServiceCommand:
    """Processes of this interpreter, or containers when `EVROAM_TEST_SERVICE_IMAGES` names the
    images (`make test-containers`)."""
    images = os.environ.get(IMAGES_ENV)
    return container_command(images) if images else python_module_command


@pytest.fixture(scope="session")
def stack_env() -> dict[str, str]:
    return {}


@pytest.fixture(scope="session")
def stack(
    request: pytest.FixtureRequest,
    infra: Infra,
    evroam_log_dir: Path,
    stack_services: tuple[str, ...],
    stack_command: ServiceCommand,
    stack_env: dict[str, str],
) -> Iterator[Stack]:
    with (
        (evroam_log_dir / "stack.log").open("a", encoding="utf-8") as progress_log,
        running_stack(
            infra,
            log_dir=evroam_log_dir,
            services=stack_services,
            command=stack_command,
            extra_env=stack_env,
            progress=Progress(progress_log),
        ) as running,
    ):
        request.config.stash[_RUNNING_STACK] = running
        try:
            yield running
        finally:
            del request.config.stash[_RUNNING_STACK]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    running = item.config.stash.get(_RUNNING_STACK, None)
    if report.failed and running is not None:
        report.sections.append(("evroam service logs (tail)", running.log_tails(LOG_TAIL_LINES)))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    kept = terminalreporter.config.stash.get(_KEPT_LOG_DIR, None)
    if kept is not None:
        terminalreporter.write_line(f"evroam: logs kept in {kept}")


def _kept_log_dir(config: pytest.Config) -> Path | None:
    explicit = config.getoption("--evroam-log-dir") or os.environ.get(LOG_DIR_ENV)
    if explicit:
        return Path(explicit)
    keep = config.getoption("--evroam-keep-logs") or _truthy(os.environ.get(KEEP_LOGS_ENV))
    if not keep:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return config.rootpath / ".devstack" / "test-logs" / stamp


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}
