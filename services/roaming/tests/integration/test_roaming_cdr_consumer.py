"""cdr.issued events become rows of ocpi_cdrs: exactly once, and idempotent on their own."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_messaging import Producer, make_broker, register_consumer
from evroam_roaming.app import cdr_consumer

Issue = Callable[[Any], Awaitable[Any]]
Deliver = Callable[..., Awaitable[None]]


async def rows(pool: AsyncConnectionPool) -> list[tuple[Any, ...]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT country_code, party_id, id, token_country_code, token_party_id,"
            " last_updated, cdr->>'last_updated' FROM ocpi_cdrs ORDER BY id"
        )
        return await cur.fetchall()


async def test_a_cdr_is_stored_under_its_keys_with_its_token_owner(
    pool: AsyncConnectionPool,
    issue: Issue,
    make_cdr: Any,
) -> None:
    await issue(make_cdr("C1", token_owner=("de", "tnm")))
    [row] = await rows(pool)
    assert row[:5] == ("BE", "BEC", "C1", "DE", "TNM")


async def test_the_same_event_delivered_twice_changes_nothing(
    pool: AsyncConnectionPool,
    make_cdr: Any,
    cdr_envelope: Any,
    deliver: Deliver,
    unstarted_producer: Producer,
) -> None:
    envelope = cdr_envelope(make_cdr("C1"))
    consumer = cdr_consumer()
    for _ in range(2):
        await deliver(envelope, consumer, unstarted_producer)
    assert consumer.handled == 1  # the processed-event row caught the duplicate
    assert len(await rows(pool)) == 1


async def test_the_upsert_alone_is_idempotent_and_never_goes_back_in_time(
    pool: AsyncConnectionPool,
    issue: Issue,
    make_cdr: Any,
) -> None:
    newer = make_cdr("C1", last_updated="2024-05-02T00:00:00Z")
    await issue(newer)
    before = await rows(pool)
    await issue(newer)  # a new event id: only the upsert can tell it is the same CDR
    await issue(make_cdr("C1", last_updated="2024-05-01T00:00:00Z"))  # an older copy
    assert await rows(pool) == before


async def test_a_cdr_issued_that_breaks_the_contract_goes_to_our_dead_letter_topic(
    pool: AsyncConnectionPool,
    make_cdr: Any,
    cdr_envelope: Any,
    deliver: Deliver,
    kafka: str,
) -> None:
    envelope = cdr_envelope(make_cdr("C1"))
    broken = replace(envelope, payload={**envelope.payload, "cdr": {"id": "C1"}})
    consumer, producer = cdr_consumer(), Producer(kafka, "roaming-it")
    await producer.start(wait_s=10)
    try:
        await deliver(broken, consumer, producer)
    finally:
        await producer.stop()
    assert (consumer.handled, consumer.dead_lettered) == (0, 1)
    assert await rows(pool) == []


@pytest.mark.timeout(90)
async def test_cdrs_published_on_the_cdr_topic_reach_the_table_once(
    pool: AsyncConnectionPool,
    make_cdr: Any,
    cdr_envelope: Any,
    kafka: str,
) -> None:
    cdr_id = f"IT-{secrets.token_hex(6)}"  # the topic is shared and keeps everything
    envelope = cdr_envelope(make_cdr(cdr_id))
    consumer = cdr_consumer(group=f"evroam.roaming.cdrs.it-{secrets.token_hex(4)}")
    producer, broker = Producer(kafka, "roaming-it"), make_broker(kafka, "roaming-it")
    await producer.start(wait_s=10)
    register_consumer(broker, consumer, pool, producer)
    await broker.start()
    try:
        await producer.send_envelopes("evroam.cdr.events", [envelope, envelope])  # redelivery
        for _ in range(300):  # a new group's first assignment takes a few seconds
            if [r for r in await rows(pool) if r[2] == cdr_id]:
                break
            await asyncio.sleep(0.2)
    finally:
        await broker.stop()
        await producer.stop()
    assert [r[2] for r in await rows(pool)].count(cdr_id) == 1
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM processed_events WHERE consumer = %s AND event_id = %s",
            (consumer.group, envelope.event_id),
        )
        assert await cur.fetchone() == (1,)
