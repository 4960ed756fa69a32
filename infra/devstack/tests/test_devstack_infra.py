"""Topics and databases on the real broker and PostgreSQL of the `infra` fixture."""

import asyncio
from typing import Any

import psycopg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from evroam_devstack import create_topics, list_topics, load_catalogue
from evroam_devstack.kafka_admin import run_in_thread
from evroam_testing.infra import Infra


async def describe(bootstrap: str, name: str) -> tuple[int, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (topic,) = await admin.describe_topics([name])
        (configs,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    finally:
        await admin.close()
    entries: list[Any] = configs.resources[0][4]
    return len(topic["partitions"]), {entry[0]: entry[1] for entry in entries}


def test_every_catalogue_topic_exists_with_its_partitions_and_config(infra: Infra) -> None:
    infra.create_topics()
    existing = set(list_topics(infra.kafka_bootstrap_servers))

    for topic in load_catalogue():
        assert topic.name in existing
        partitions, config = run_in_thread(
            lambda name=topic.name: describe(infra.kafka_bootstrap_servers, name)  # type: ignore[misc]
        )
        assert partitions == topic.partitions, topic.name
        for key, value in topic.config.items():
            assert config.get(key) == value, (topic.name, key)


def test_creating_the_topics_again_creates_nothing(infra: Infra) -> None:
    infra.create_topics()

    assert create_topics(infra.kafka_bootstrap_servers, load_catalogue()) == []


def test_a_database_is_created_once_and_can_be_dropped(infra: Infra) -> None:
    url = infra.create_database("devstack_test_once")
    again = infra.create_database("devstack_test_once")

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("devstack_test_once",)
    assert again == url

    infra.drop_database("devstack_test_once")
    with psycopg.connect(infra.postgres_url) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'devstack_test_once'")
        assert row.fetchone() is None


def test_fresh_databases_get_distinct_names(infra: Infra) -> None:
    first, second = infra.create_database(), infra.create_database()

    assert first != second
    for url in (first, second):
        infra.drop_database(url.rsplit("/", 1)[1])


def test_asyncio_callers_can_use_the_admin_helpers(infra: Infra) -> None:
    infra.create_topics()

    async def inside_a_running_loop() -> list[str]:
        return list_topics(infra.kafka_bootstrap_servers)

    assert "evroam.session.events" in asyncio.run(inside_a_running_loop())
