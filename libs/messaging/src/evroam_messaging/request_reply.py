"""Request/reply over Kafka with a deadline (real-time authorization, ARCHITECTURE section 5).

The requester publishes a command whose headers name its reply topic, a request id and a
deadline, and waits on a future. Every requester instance reads the whole reply topic without
a consumer group (assigned partitions, starting at the end), so it is ready at once and never
waits for a group rebalance; replies for other instances are ignored. A responder drops
requests whose deadline has passed: nobody is waiting for them any more.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from opentelemetry import propagate

from evroam_contracts import Envelope, Message
from evroam_contracts.envelope import (
    H_CORRELATION,
    H_ID,
    H_STREAM,
    H_STREAM_VERSION,
    H_TYPE,
    H_VERSION,
)
from evroam_contracts.ids import new_id
from evroam_messaging.producer import Producer

log = logging.getLogger(__name__)
H_REPLY_TO = "x_reply_to"
H_DEADLINE = "x_deadline"
H_REQUEST_ID = "x_request_id"


class RequestTimeoutError(TimeoutError):
    """No reply came before the deadline."""


class Requester:
    def __init__(self, producer: Producer, bootstrap_servers: str, reply_topic: str) -> None:
        self._producer, self._bootstrap, self.reply_topic = producer, bootstrap_servers, reply_topic
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50
        )
        await consumer.start()
        partitions = consumer.partitions_for_topic(self.reply_topic) or set()
        if not partitions:
            await consumer.stop()
            raise RuntimeError(f"reply topic {self.reply_topic} does not exist")
        tps = [TopicPartition(self.reply_topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # resolve "end" now, before any request is sent
        self._consumer = consumer
        self._task = asyncio.create_task(self._read_replies(), name="reply-reader")
        self.ready.set()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()

    async def request(
        self,
        topic: str,
        message: Message,
        *,
        key: str,
        timeout_s: float,
        correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """Send `message` and return the reply payload; RequestTimeoutError past the deadline."""
        request_id = str(new_id())
        deadline = datetime.now(UTC) + timedelta(seconds=timeout_s)
        trace: dict[str, str] = {}
        propagate.inject(trace)
        headers = {
            H_ID: request_id,
            H_TYPE: message.type_name,
            H_VERSION: str(message.version),
            H_STREAM: key,
            H_STREAM_VERSION: "0",
            H_REPLY_TO: self.reply_topic,
            H_DEADLINE: deadline.isoformat(),
            H_REQUEST_ID: request_id,
            **({H_CORRELATION: correlation_id} if correlation_id else {}),
            **trace,
        }
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            value = json.dumps(message.to_json_dict()).encode()
            await self._producer.send_raw(
                topic, key.encode(), value, [(k, v.encode()) for k, v in headers.items()]
            )
            return await asyncio.wait_for(future, max(0.0, timeout_s))
        except TimeoutError:
            raise RequestTimeoutError(f"no reply to {message.type_name} in {timeout_s}s") from None
        finally:
            self._pending.pop(request_id, None)

    async def _read_replies(self) -> None:
        assert self._consumer is not None
        async for record in self._consumer:
            headers = {k: v.decode() for k, v in record.headers or ()}
            future = self._pending.get(headers.get(H_REQUEST_ID, ""))
            if future is None or future.done():
                continue
            try:
                future.set_result(json.loads(record.value or b"{}"))
            except ValueError as exc:
                future.set_exception(exc)


def deadline_of(envelope: Envelope) -> datetime | None:
    raw = envelope.extra.get(H_DEADLINE)
    return datetime.fromisoformat(raw) if raw else None


def expired(envelope: Envelope, now: datetime) -> bool:
    deadline = deadline_of(envelope)
    return deadline is not None and now > deadline


async def send_reply(producer: Producer, request: Envelope, payload: dict[str, Any]) -> None:
    reply_to = request.extra.get(H_REPLY_TO)
    if not reply_to:
        log.warning("request %s has no reply topic; nothing sent", request.event_id)
        return
    request_id = request.extra.get(H_REQUEST_ID, str(request.event_id))
    # Handed to the producer's batch without waiting for the broker's ack: the requester's
    # deadline already covers a reply that gets lost, and waiting would hold up the next
    # request on this partition for a round trip.
    await producer.send_raw(
        reply_to,
        request.key,
        json.dumps(payload).encode(),
        [(H_REQUEST_ID, request_id.encode())],
        wait=False,
    )
