"""Request/reply with a deadline over a real Kafka-protocol broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from evroam_contracts import Envelope
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.topics import AUTHORIZATION_REQUESTS, GATEWAY_REPLIES
from evroam_messaging import Producer, Requester, RequestTimeoutError, send_reply
from evroam_messaging.request_reply import expired
from evroam_testing.infra import Infra


@pytest.fixture
async def producer(infra: Infra) -> AsyncIterator[Producer]:
    infra.create_topics()
    p = Producer(infra.kafka_bootstrap_servers, "test")
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def requester(infra: Infra, producer: Producer) -> AsyncIterator[Requester]:
    r = Requester(producer, infra.kafka_bootstrap_servers, GATEWAY_REPLIES)
    await r.start()
    yield r
    await r.stop()


async def _answer_every_request(infra: Infra, producer: Producer, seen: list[Envelope]) -> None:
    """A responder that reads the request topic from its end and echoes the id tag."""
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap_servers)
    await consumer.start()
    try:
        await consumer.topics()
        tps = [
            TopicPartition(AUTHORIZATION_REQUESTS, p)
            for p in consumer.partitions_for_topic(AUTHORIZATION_REQUESTS) or ()
        ]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)
        async for record in consumer:
            envelope = Envelope.from_record(record.value, record.headers)
            seen.append(envelope)
            await send_reply(producer, envelope, {"echo": envelope.payload["id_tag"]})
    finally:
        await consumer.stop()


async def test_a_request_gets_its_reply_and_carries_its_deadline(
    infra: Infra, producer: Producer, requester: Requester
) -> None:
    seen: list[Envelope] = []
    responder = asyncio.create_task(_answer_every_request(infra, producer, seen))
    await asyncio.sleep(1)  # let the responder take its position
    try:
        reply = await requester.request(
            AUTHORIZATION_REQUESTS,
            AuthorizeToken(request_id="r", station_id="CS", id_tag="T1"),
            key="CS",
            timeout_s=10,
            correlation_id="corr-1",
        )
    finally:
        responder.cancel()
        with suppress(asyncio.CancelledError):
            await responder
    assert reply == {"echo": "T1"}
    [request] = seen
    assert request.correlation_id == "corr-1"
    assert not expired(request, datetime.now(UTC))
    assert expired(request, datetime.now(UTC) + timedelta(seconds=11))


async def test_a_request_nobody_answers_fails_at_its_deadline(requester: Requester) -> None:
    with pytest.raises(RequestTimeoutError, match="no reply"):
        await requester.request(
            AUTHORIZATION_REQUESTS,
            AuthorizeToken(request_id="r", station_id="CS", id_tag="T2"),
            key="CS",
            timeout_s=0.5,
        )
