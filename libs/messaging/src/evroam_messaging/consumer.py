"""Idempotent consumers: the effect and a processed-event row are written in one transaction,
and the Kafka offset is committed after (ARCHITECTURE section 4). An event that cannot be
handled goes to the consumer's dead-letter topic with the reason, and the partition moves on;
an infrastructure failure (database, broker) is retried instead, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from aiokafka import ConsumerRebalanceListener, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from pydantic import ValidationError

from evroam_contracts import Envelope, Message, UnknownEventTypeError, decode_payload
from evroam_contracts.envelope import EnvelopeError
from evroam_contracts.topics import dlq_topic
from evroam_eventstore import ConcurrencyError
from evroam_messaging.producer import Producer

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
# A handler runs inside the transaction; what it must only do once the effect is durable
# (answer a request, say) it returns as an after-commit action.
Handler = Callable[[AsyncConnection, Envelope, Message], Awaitable[AfterCommit | None]]
# `evroam dlq replay` re-publishes a dead letter to its source topic with the group that
# failed it in this header; every other group reading that topic passes it by.
REPLAY_GROUP_HEADER = "x_replay_group"
# Once the copy is acknowledged it appends a marker to the DLQ: an empty record with this
# header naming the replayed letter's "partition:offset" (`evroam dlq list` reads it, and so
# does the count of waiting dead letters on /metrics).
REPLAYED_OF_HEADER = "x_dlq_replayed_of"


class RetryLaterError(RuntimeError):
    """The event needs something that has not arrived yet on another topic (topics are not
    ordered with each other): deliver it again in a moment rather than decide without it."""


# Worth another delivery: the database or broker is away, the stream moved on under us (the
# handler reloads it on redelivery), or the handler is waiting for another topic.
TRANSIENT = (
    RetryLaterError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    ConnectionError,
    TimeoutError,
    ConcurrencyError,
)


class PoisonEventError(Exception):
    """Raised by a handler for an event that can never be handled as it is."""


@dataclass
class Consumer:
    """One consumer group: the topics it reads, the event types it handles, and how."""

    group: str
    topics: Sequence[str]
    handlers: dict[str, Handler]
    service: str
    # How long a fetch waits on an empty partition. Tansu answers a waiting fetch only when the
    # wait ends, so this is also the latency a new record can see: short for request topics
    # (a station is waiting), longer for event topics (fewer empty polls).
    fetch_max_wait_ms: int = 100
    assigned: asyncio.Event = field(default_factory=asyncio.Event)
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    handler_seconds: float = 0.0  # summed over handled events: mean latency = this / handled
    # Called with (event type, seconds) for every handled event; the host feeds its
    # latency histogram from it (no metrics library in here).
    observe: Callable[[str, float], None] = lambda event_type, seconds: None
    # Which decoded events of the handled types the group acts on at all. The others are
    # skipped before any transaction: no processed-event row, not counted as handled (a group
    # that keeps a tenth of a busy type would otherwise write a row for each of the rest).
    wants: Callable[[Message], bool] = lambda message: True


class _Readiness(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, flag: asyncio.Event) -> None:
        self._flag = flag

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        self._flag.set()


async def mark_processed(conn: AsyncConnection, consumer: str, event_id: object) -> bool:
    """Record the event as handled by `consumer`; False when it already was (a duplicate)."""
    cur = await conn.execute(
        "INSERT INTO processed_events (consumer, event_id) VALUES (%s, %s)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        (consumer, event_id),
    )
    return await cur.fetchone() is not None


async def dead_letter(producer: Producer, consumer: Consumer, record: object, reason: str) -> None:
    """Publish the original record, untouched, with why it could not be handled."""
    topic = getattr(record, "topic", "")
    headers = [
        (k, v) for k, v in (getattr(record, "headers", None) or ()) if not k.startswith("x_dlq_")
    ]
    headers += [
        ("x_dlq_reason", reason[:2000].encode()),
        ("x_dlq_consumer", consumer.group.encode()),
        ("x_dlq_topic", str(topic).encode()),
        ("x_dlq_partition", str(getattr(record, "partition", "")).encode()),
        ("x_dlq_offset", str(getattr(record, "offset", "")).encode()),
        ("x_dlq_at", datetime.now(UTC).isoformat().encode()),
    ]
    value = getattr(record, "value", b"") or b""
    await producer.send_raw(
        dlq_topic(consumer.service), getattr(record, "key", None), value, headers
    )
    consumer.dead_lettered += 1
    log.error("dead-lettered %s@%s: %s", topic, getattr(record, "offset", "?"), reason)


def meant_for(consumer: Consumer, record: object) -> bool:
    """False for a replayed dead letter of another group."""
    for key, value in getattr(record, "headers", None) or ():
        if key == REPLAY_GROUP_HEADER:
            return bool(value == consumer.group.encode())
    return True


async def process(
    consumer: Consumer, pool: AsyncConnectionPool, producer: Producer, record: object
) -> None:
    if not meant_for(consumer, record):
        return
    try:
        envelope = Envelope.from_record(
            getattr(record, "value", None), getattr(record, "headers", ())
        )
    except EnvelopeError as exc:
        await dead_letter(producer, consumer, record, f"malformed envelope: {exc}")
        return
    handler = consumer.handlers.get(envelope.type)
    if handler is None:
        return  # not an event this consumer cares about
    try:
        message = decode_payload(envelope.type, envelope.version, envelope.payload)
    except (ValidationError, UnknownEventTypeError) as exc:
        await dead_letter(producer, consumer, record, f"{envelope.type} v{envelope.version}: {exc}")
        return
    if not consumer.wants(message):
        return
    started = time.perf_counter()
    try:
        async with pool.connection() as conn, conn.transaction():
            if not await mark_processed(conn, consumer.group, envelope.event_id):
                consumer.duplicates += 1
                return
            after_commit = await handler(conn, envelope, message)
        elapsed = time.perf_counter() - started
        consumer.handled += 1
        consumer.handler_seconds += elapsed
        consumer.observe(envelope.type, elapsed)
        if after_commit is not None:
            await after_commit()
    except TRANSIENT:
        await asyncio.sleep(0.5)  # let the database or broker come back; Kafka redelivers
        raise
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])
        await dead_letter(producer, consumer, record, reason)


def register_consumer(
    broker: KafkaBroker, consumer: Consumer, pool: AsyncConnectionPool, producer: Producer
) -> None:
    """Subscribe a consumer group; offsets are committed only after the handler returned."""

    @broker.subscriber(
        *consumer.topics,
        group_id=consumer.group,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        listener=_Readiness(consumer.assigned),
        fetch_max_wait_ms=consumer.fetch_max_wait_ms,
    )
    async def _on_message(msg: KafkaMessage) -> None:
        await process(consumer, pool, producer, msg.raw_message)
