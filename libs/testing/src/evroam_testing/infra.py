"""Kafka and PostgreSQL for tests, picked as ARCHITECTURE section 8 says.

1. `env`: endpoints given in the environment (`EVROAM_TEST_KAFKA_BOOTSTRAP_SERVERS` and
   `EVROAM_TEST_POSTGRES_URL`, a superuser URL of the `postgres` database). They must be
   disposable: tests create topics and databases there, and old events on the topics are seen.
2. `testcontainers`: Apache Kafka (KRaft) and PostgreSQL images, when a Docker engine answers.
3. `devstack`: Tansu and embedded PostgreSQL, started from Python wheels.

`EVROAM_TEST_INFRA=env|testcontainers|devstack` forces a choice. With testcontainers, the
images are the official ones unless `EVROAM_TEST_KAFKA_IMAGE`, `EVROAM_TEST_POSTGRES_IMAGE` or
`EVROAM_TEST_TANSU_IMAGE` (a Tansu broker instead of Apache Kafka) name others: an engine with
no registry builds its own (infra/containers/README.md).
"""

from __future__ import annotations

import importlib
import os
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args
from urllib.parse import urlsplit

from evroam_devstack import (
    Broker,
    Postgres,
    TopicSpec,
    create_database,
    create_topics,
    database_url,
    drop_database,
    free_port,
    load_catalogue,
    wait_for_kafka,
    wait_for_postgres,
)

InfraKind = Literal["env", "testcontainers", "devstack"]

KAFKA_ENV = "EVROAM_TEST_KAFKA_BOOTSTRAP_SERVERS"
POSTGRES_ENV = "EVROAM_TEST_POSTGRES_URL"
KIND_ENV = "EVROAM_TEST_INFRA"
DOCKER_NETWORK_ENV = "EVROAM_TEST_DOCKER_NETWORK"  # "host" where the engine has no bridge
KAFKA_IMAGE = "apache/kafka:3.9.0"
POSTGRES_IMAGE = "postgres:17"
KAFKA_IMAGE_ENV = "EVROAM_TEST_KAFKA_IMAGE"
POSTGRES_IMAGE_ENV = "EVROAM_TEST_POSTGRES_IMAGE"
TANSU_IMAGE_ENV = "EVROAM_TEST_TANSU_IMAGE"


@dataclass(frozen=True)
class Infra:
    kind: InfraKind
    kafka_bootstrap_servers: str
    postgres_url: str

    def database_url(self, name: str) -> str:
        return database_url(self.postgres_url, name)

    def create_database(self, name: str | None = None, *, prefix: str = "test") -> str:
        """Create a database (a fresh uniquely named one by default) and return its URL."""
        name = name or f"{prefix}_{secrets.token_hex(4)}"
        create_database(self.postgres_url, name)
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        drop_database(self.postgres_url, name)

    @contextmanager
    def migrated_database(self, prefix: str, *sql_dirs: Path) -> Iterator[str]:
        """A fresh database with the event store's and `sql_dirs`' migrations applied; its
        URL for the block, dropped afterwards."""
        from evroam_eventstore import apply_migrations

        url = self.create_database(prefix=prefix)
        try:
            apply_migrations(url, *sql_dirs)
            yield url
        finally:
            self.drop_database(urlsplit(url).path.lstrip("/"))

    def create_topics(self, topics: Sequence[TopicSpec] | None = None) -> list[str]:
        """Create the catalogue's topics (or `topics`); existing ones are fine."""
        catalogue = load_catalogue() if topics is None else topics
        return create_topics(self.kafka_bootstrap_servers, catalogue)


def choose_kind(
    environ: Mapping[str, str] | None = None, *, docker_timeout: float = 2.0
) -> InfraKind:
    environ = os.environ if environ is None else environ
    forced = environ.get(KIND_ENV)
    if forced:
        if forced not in get_args(InfraKind):
            raise ValueError(f"{KIND_ENV}={forced!r}: expected one of {get_args(InfraKind)}")
        return cast(InfraKind, forced)
    given = [name for name in (KAFKA_ENV, POSTGRES_ENV) if environ.get(name)]
    if len(given) == 2:
        return "env"
    if given:
        missing = {KAFKA_ENV, POSTGRES_ENV} - set(given)
        raise ValueError(f"{given[0]} is set but {missing.pop()} is not: set both or neither")
    return "testcontainers" if docker_answers(docker_timeout) else "devstack"


def docker_answers(timeout: float = 2.0) -> bool:
    """True when a Docker engine answers a ping within `timeout` seconds; never hangs."""
    answer: list[bool] = []

    def ping() -> None:
        try:
            docker = importlib.import_module("docker")  # the SDK testcontainers brings
            client = docker.from_env(timeout=max(int(timeout), 1))
            try:
                answer.append(bool(client.ping()))
            finally:
                client.close()
        except Exception:  # no SDK, no socket, refused, timed out: all mean "no engine"
            answer.append(False)

    thread = threading.Thread(target=ping, name="evroam-docker-ping", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(answer and answer[0])


@contextmanager
def provide_infra(
    *, log_dir: Path, environ: Mapping[str, str] | None = None, kind: InfraKind | None = None
) -> Iterator[Infra]:
    environ = os.environ if environ is None else environ
    kind = kind or choose_kind(environ)
    if kind == "env":
        yield env_infra(environ)
    elif kind == "testcontainers":
        with container_infra(
            host_network=environ.get(DOCKER_NETWORK_ENV) == "host", environ=environ
        ) as infra:
            yield infra
    else:
        with devstack_infra(log_dir) as infra:
            yield infra


def env_infra(environ: Mapping[str, str]) -> Infra:
    infra = Infra("env", environ[KAFKA_ENV], environ[POSTGRES_ENV])
    wait_for_kafka(infra.kafka_bootstrap_servers, timeout=30)
    wait_for_postgres(infra.postgres_url, timeout=30)
    return infra


@contextmanager
def devstack_infra(log_dir: Path) -> Iterator[Infra]:
    broker = Broker(port=free_port(), log_path=log_dir / "broker.log")
    postgres = Postgres(port=free_port(), log_path=log_dir / "postgres.log")
    try:
        broker.spawn()
        postgres.start()
        broker.wait_ready()
        yield Infra("devstack", broker.bootstrap_servers, postgres.url)
    finally:
        broker.stop()
        postgres.stop()


@contextmanager
def container_infra(
    *, host_network: bool = False, environ: Mapping[str, str] | None = None
) -> Iterator[Infra]:
    """Apache Kafka in KRaft mode (or Tansu) and PostgreSQL, each on a fixed free host port.

    testcontainers' KafkaContainer only drives Confluent images, so Kafka is a generic
    container configured the way the apache/kafka image documents. The advertised listener
    must equal the address clients use, hence a host port chosen before the start and bound
    1:1. With `host_network` (engines without a bridge) both listen on 127.0.0.1 directly.
    """
    from testcontainers.core.container import DockerContainer

    environ = os.environ if environ is None else environ
    kafka_port, controller_port, pg_port = free_port(), free_port(), free_port()
    tansu_image = environ.get(TANSU_IMAGE_ENV)
    kafka = DockerContainer(tansu_image or environ.get(KAFKA_IMAGE_ENV, KAFKA_IMAGE))
    host = "127.0.0.1" if host_network else kafka.get_docker_client().host()
    if tansu_image:
        kafka.with_envs(**tansu_env(host, kafka_port, host_network))
    else:
        kafka.with_envs(**kafka_env(host, kafka_port, controller_port, host_network))
    postgres = DockerContainer(environ.get(POSTGRES_IMAGE_ENV, POSTGRES_IMAGE))
    postgres.with_env("POSTGRES_HOST_AUTH_METHOD", "trust")
    postgres.with_command(postgres_args(pg_port if host_network else 5432, host_network))
    if host_network:
        kafka.with_kwargs(network_mode="host")
        postgres.with_kwargs(network_mode="host")
    else:
        kafka.with_bind_ports(kafka_port, kafka_port)
        postgres.with_bind_ports(5432, pg_port)
    with kafka, postgres:
        infra = Infra(
            "testcontainers",
            f"{host}:{kafka_port}",
            f"postgresql://postgres@{host}:{pg_port}/postgres",
        )
        wait_for_kafka(infra.kafka_bootstrap_servers, timeout=90)
        wait_for_postgres(infra.postgres_url, timeout=90)
        yield infra


def kafka_env(host: str, port: int, controller_port: int, host_network: bool) -> dict[str, str]:
    bind = "127.0.0.1" if host_network else "0.0.0.0"  # inside the container
    return {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"PLAINTEXT://{bind}:{port},CONTROLLER://{bind}:{controller_port}",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:{port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": f"1@127.0.0.1:{controller_port}",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_NUM_PARTITIONS": "4",
    }


def tansu_env(host: str, port: int, host_network: bool) -> dict[str, str]:
    """Tansu reads its listeners from the environment (`tansu broker --help`); memory storage."""
    bind = "127.0.0.1" if host_network else "0.0.0.0"
    return {
        "LISTENER_URL": f"tcp://{bind}:{port}",
        "ADVERTISED_LISTENER_URL": f"tcp://{host}:{port}",
    }


def postgres_args(port: int, host_network: bool) -> list[str]:
    args = ["postgres", "-p", str(port), "-c", "fsync=off", "-c", "max_connections=300"]
    if host_network:
        args += ["-c", "listen_addresses=127.0.0.1"]
    return args
