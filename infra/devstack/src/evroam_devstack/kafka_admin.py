"""Kafka admin calls (readiness, topic creation) for synchronous callers.

aiokafka is asyncio-only; each call here runs its own event loop in a worker thread, so it works
the same from a plain script, a CLI, or a pytest fixture while another loop is running.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from evroam_devstack.catalogue import TopicSpec

T = TypeVar("T")

TOPIC_ALREADY_EXISTS = 36


class KafkaNotReadyError(RuntimeError):
    """The broker did not answer Kafka requests in time."""


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic."""


def run_in_thread(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evroam-kafka-admin") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def wait_for_kafka(
    bootstrap_servers: str,
    *,
    timeout: float = 30.0,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Return once the broker answers a metadata request; raise KafkaNotReadyError otherwise.

    `alive` lets the caller stop waiting early when the broker process it started has died.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise KafkaNotReadyError(f"the broker at {bootstrap_servers} exited")
        try:
            run_in_thread(lambda: _list_topics(bootstrap_servers))
            return
        except (KafkaError, OSError) as error:
            last_error = error
            time.sleep(0.1)
    raise KafkaNotReadyError(
        f"no Kafka answer from {bootstrap_servers} in {timeout:.0f}s: {last_error!r}"
    )


def create_topics(
    bootstrap_servers: str,
    topics: Sequence[TopicSpec],
    *,
    replication_factor: int = 1,
) -> list[str]:
    """Create the topics; existing ones are left as they are. Returns the names created now."""
    return run_in_thread(lambda: _create_topics(bootstrap_servers, topics, replication_factor))


def list_topics(bootstrap_servers: str) -> list[str]:
    return run_in_thread(lambda: _list_topics(bootstrap_servers))


async def _list_topics(bootstrap_servers: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


async def _create_topics(
    bootstrap_servers: str, topics: Sequence[TopicSpec], replication_factor: int
) -> list[str]:
    if not topics:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15000)
    await admin.start()
    try:
        response = await admin.create_topics([_new_topic(t, replication_factor) for t in topics])
    finally:
        await admin.close()
    return _created_names(response.topic_errors)


def _new_topic(topic: TopicSpec, replication_factor: int) -> NewTopic:
    return NewTopic(
        name=topic.name,
        num_partitions=topic.partitions,
        replication_factor=replication_factor,
        topic_configs=dict(topic.config),
    )


def _created_names(topic_errors: Sequence[Sequence[Any]]) -> list[str]:
    created: list[str] = []
    failures: list[str] = []
    for entry in topic_errors:
        name, code = str(entry[0]), int(entry[1])
        message = entry[2] if len(entry) > 2 else None
        if code == 0:
            created.append(name)
        elif code != TOPIC_ALREADY_EXISTS:
            failures.append(f"{name}: error {code} {message or ''}".rstrip())
    if failures:
        raise TopicCreationError("; ".join(failures))
    return created
