"""ServiceSet runs services as the runtime contract says (with the fake service)."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from process_watch import all_gone, fake_command

from evroam_devstack import (
    SERVICES,
    PortAllocator,
    ServiceNotReadyError,
    ServiceSet,
    ServiceStartError,
    plan_services,
)
from evroam_testing.infra import Infra


def service_set(
    infra: Infra, log_dir: Path, services: tuple[str, ...] = SERVICES, **extra_env: str
) -> ServiceSet:
    urls = {name: infra.create_database(prefix=f"svc_{name}") for name in services}
    return ServiceSet(
        plan_services(services, database_urls=urls, ports=PortAllocator(prefer_defaults=False)),
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        admin_token="s3cret",
        log_dir=log_dir,
        command=fake_command,
        extra_env=extra_env,
        stop_grace=5.0,
    )


@pytest.fixture(scope="module")
def running(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceSet]:
    services = service_set(
        infra,
        tmp_path_factory.mktemp("services"),
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318",
    )
    services.migrate_and_start(timeout=60)
    yield services
    services.stop_all()


def env_of(services: ServiceSet, name: str) -> dict[str, str]:
    response = httpx.get(f"{services.configs[name].http_url}/env")
    response.raise_for_status()
    env: dict[str, str] = response.json()
    return env


def test_every_service_is_migrated_started_and_ready(running: ServiceSet) -> None:
    for name in SERVICES:
        config = running.configs[name]
        assert httpx.get(f"{config.http_url}/readyz").status_code == 200
        assert "migrated" in running.log_path(name).read_text()


def test_each_service_gets_the_environment_of_the_runtime_contract(
    running: ServiceSet, infra: Infra
) -> None:
    session = env_of(running, "session")
    assert session["EVROAM_SESSION_KAFKA_BOOTSTRAP_SERVERS"] == infra.kafka_bootstrap_servers
    assert session["EVROAM_SESSION_DATABASE_URL"] == running.configs["session"].database_url
    assert session["EVROAM_SESSION_ADMIN_TOKEN"] == "s3cret"
    assert session["EVROAM_SESSION_HTTP_HOST"] == "127.0.0.1"
    assert session["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    gateway = env_of(running, "gateway")
    assert gateway["EVROAM_GATEWAY_OCPP_PORT"] == str(running.configs["gateway"].ocpp_port)
    roaming = env_of(running, "roaming")
    assert roaming["EVROAM_ROAMING_PUBLIC_URL"] == running.configs["roaming"].http_url


def test_a_stopped_service_starts_again_on_the_same_port(running: ServiceSet) -> None:
    url = f"{running.configs['cdr'].http_url}/readyz"
    pid = running.pid("cdr")
    assert pid is not None

    running.stop("cdr")
    assert all_gone([pid])
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)

    running.start("cdr", timeout=30)
    assert httpx.get(url).status_code == 200
    assert running.pid("cdr") not in (None, pid)


def test_stopping_all_leaves_no_service_process(infra: Infra, tmp_path: Path) -> None:
    running = service_set(infra, tmp_path, ("gateway", "tariff", "billing"))
    running.migrate_and_start(timeout=60)
    pids = [running.pid(name) for name in running.names]

    running.stop_all()

    assert None not in pids
    assert all_gone(pid for pid in pids if pid is not None)


def test_a_service_never_ready_is_named_with_the_tail_of_its_log(
    infra: Infra, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NEVER_READY", "tariff")
    services = service_set(infra, tmp_path, ("tariff", "cdr"))

    with pytest.raises(ServiceNotReadyError) as raised:
        services.migrate_and_start(timeout=3)

    message = str(raised.value)
    assert "services not ready: tariff" in message
    assert "503" in message
    assert "kafka partitions" in message
    assert "tariff.log" in message
    assert "migrated" in message
    assert not services.running("tariff")
    assert not services.running("cdr")


def test_a_failed_migration_stops_everything_and_shows_the_log(
    infra: Infra, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_FAIL_MIGRATE", "billing")
    services = service_set(infra, tmp_path, ("session", "billing"))

    with pytest.raises(ServiceStartError, match="billing: migrate exited with 3") as raised:
        services.migrate_and_start(timeout=30)

    assert "migration failed on purpose" in str(raised.value)
    assert not services.running("session")
