"""evroam_testing: the infra choice, and the `infra` and `stack` fixtures (fake services)."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from process_watch import FAKE_SERVICE, all_gone, fake_command

from evroam_devstack import SERVICES
from evroam_testing.infra import (
    KAFKA_ENV,
    KIND_ENV,
    POSTGRES_ENV,
    Infra,
    choose_kind,
    docker_answers,
    kafka_env,
    tansu_env,
)
from evroam_testing.service_container import container_command, forwarded_env
from evroam_testing.stack import Stack, running_stack

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def stack(infra: Infra, evroam_log_dir: Path) -> Iterator[Stack]:
    """Fake services, for this module only. The session-wide `stack` of the plugin runs the
    real seven for the flow tests; overriding its `stack_command` here would hand those tests
    this module's fakes, because a session fixture is built once."""
    with running_stack(infra, log_dir=evroam_log_dir / "fake-stack", command=fake_command) as s:
        yield s


def test_endpoints_in_the_environment_come_first() -> None:
    environ = {KAFKA_ENV: "127.0.0.1:9092", POSTGRES_ENV: "postgresql://postgres@h/postgres"}

    assert choose_kind(environ) == "env"
    assert choose_kind({**environ, KIND_ENV: "devstack"}) == "devstack"


def test_half_an_environment_is_refused() -> None:
    with pytest.raises(ValueError, match=POSTGRES_ENV):
        choose_kind({KAFKA_ENV: "127.0.0.1:9092"})
    with pytest.raises(ValueError, match=KIND_ENV):
        choose_kind({KIND_ENV: "docker"})


def test_asking_docker_never_hangs() -> None:
    started = time.monotonic()

    docker_answers(timeout=1.0)

    assert time.monotonic() - started < 3.0


def test_kafka_in_a_container_advertises_the_address_clients_use() -> None:
    env = kafka_env("localhost", 39092, 39093, host_network=False)

    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://localhost:39092"
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "CONTROLLER://0.0.0.0:39093" in env["KAFKA_LISTENERS"]
    assert "127.0.0.1:39092" in kafka_env("127.0.0.1", 39092, 39093, True)["KAFKA_LISTENERS"]


def test_a_tansu_container_listens_where_it_advertises_on_the_host_network() -> None:
    env = tansu_env("127.0.0.1", 39092, host_network=True)

    assert env == {
        "LISTENER_URL": "tcp://127.0.0.1:39092",
        "ADVERTISED_LISTENER_URL": "tcp://127.0.0.1:39092",
    }
    assert tansu_env("docker-host", 39092, False)["LISTENER_URL"] == "tcp://0.0.0.0:39092"


def test_services_in_containers_run_the_image_of_each_service_with_the_action() -> None:
    argv = container_command("evroam/{service}:local")("billing", "migrate")

    assert argv[1:] == ["-m", "evroam_testing.service_container", "evroam/billing:local", "migrate"]
    with pytest.raises(ValueError, match="service"):
        container_command("evroam/billing:local")


def test_a_service_container_gets_the_service_configuration_and_nothing_of_the_host() -> None:
    environ = {
        "EVROAM_SESSION_DATABASE_URL": "postgresql://127.0.0.1:5432/s",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
        "EVROAM_TEST_SERVICE_IMAGES": "evroam/{service}:local",
        "HOME": "/root",
        "PATH": "/usr/bin",
    }

    assert forwarded_env(environ) == {
        "EVROAM_SESSION_DATABASE_URL": "postgresql://127.0.0.1:5432/s",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
    }


def test_the_infra_fixture_says_what_it_is(infra: Infra) -> None:
    assert infra.kind in {"env", "testcontainers", "devstack"}
    assert infra.postgres_url.endswith("/postgres")


def test_the_stack_runs_every_service(stack: Stack) -> None:
    assert stack.services == list(SERVICES)
    for url in stack.http_urls.values():
        assert httpx.get(f"{url}/readyz").status_code == 200
    assert stack.ocpp_url.startswith("ws://127.0.0.1:")
    assert stack.ocpi_versions_url == f"{stack.url('roaming')}/ocpi/versions"
    env = httpx.get(f"{stack.url('billing')}/env").json()
    assert env["EVROAM_BILLING_ADMIN_TOKEN"] == stack.admin_token


def test_a_stopped_service_fails_clearly_and_recovers_when_started(stack: Stack) -> None:
    url = f"{stack.url('session')}/readyz"
    pid = stack.service_set.pid("session")

    stack.stop("session")

    assert pid is not None
    assert all_gone([pid])
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)
    assert httpx.get(f"{stack.url('cdr')}/readyz").status_code == 200

    stack.start("session")

    assert httpx.get(url).status_code == 200


def test_a_restart_can_point_every_service_at_an_otlp_receiver(stack: Stack) -> None:
    receiver = "http://127.0.0.1:4318"
    try:
        stack.restart(extra_env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver})
        for name in stack.services:
            env = httpx.get(f"{stack.url(name)}/env").json()
            assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == receiver
    finally:
        stack.restart(extra_env={})
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in httpx.get(f"{stack.url('cdr')}/env").json()


INNER_CONFTEST = f"""
import sys
import pytest

@pytest.fixture(scope="session")
def stack_services():
    return ("gateway", "cdr")

@pytest.fixture(scope="session")
def stack_command():
    return lambda service, action: [sys.executable, {str(FAKE_SERVICE)!r}, service, action]
"""


def test_a_failing_test_shows_the_service_logs_and_logs_can_be_kept(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile("def test_fails(stack):\n    assert stack.services == []\n")
    log_dir = pytester.path / "kept"

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--evroam-log-dir={log_dir}")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*evroam service logs (tail)*",
            "*----- gateway (*",
            "*cdr: serving on*",
            f"evroam: logs kept in {log_dir}",
        ]
    )
    assert (log_dir / "gateway.log").is_file()
    assert (log_dir / "postgres.log").is_file()


@pytest.mark.asyncio
async def test_async_tests_stop_and_start_a_service_without_blocking_the_loop(
    stack: Stack,
) -> None:
    url = f"{stack.url('tariff')}/readyz"

    await stack.astop("tariff")
    assert not stack.service_set.running("tariff")

    await stack.astart("tariff")
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).status_code == 200
