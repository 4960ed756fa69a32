"""The event store against a real PostgreSQL: optimistic concurrency, ordering, the relay."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope
from evroam_eventstore import ConcurrencyError, EventStore, NewEvent, retry_on_conflict
from evroam_eventstore.relay import Relay


def event(n: int) -> NewEvent:
    return NewEvent(type="test.happened", version=1, payload={"n": n}, correlation_id="c-1")


async def test_an_append_at_the_expected_version_is_loaded_back_in_order(
    pool: AsyncConnectionPool,
) -> None:
    store = EventStore()
    async with pool.connection() as conn:
        await store.append(conn, "s-1", 0, [event(1), event(2)])
        await store.append(conn, "s-1", 2, [event(3)])
        loaded = await store.load(conn, "s-1")
    assert [e.payload["n"] for e in loaded] == [1, 2, 3]
    assert [e.stream_version for e in loaded] == [1, 2, 3]
    assert loaded[0].correlation_id == "c-1"


async def test_two_appends_at_the_same_version_let_exactly_one_win(
    pool: AsyncConnectionPool,
) -> None:
    store = EventStore()

    async def append(n: int) -> str:
        async with pool.connection() as conn:
            try:
                await store.append(conn, "s-race", 0, [event(n)])
                return "won"
            except ConcurrencyError:
                return "conflict"

    outcomes = await asyncio.gather(*(append(n) for n in range(5)))
    assert sorted(outcomes) == ["conflict"] * 4 + ["won"]


async def test_a_conflicting_command_is_retried_whole_until_it_appends(
    pool: AsyncConnectionPool,
) -> None:
    store = EventStore()

    async def increment() -> None:
        async def attempt() -> None:
            async with pool.connection() as conn:
                version = await store.version(conn, "counter")
                await asyncio.sleep(0.01)  # widen the window for a conflict
                await store.append(conn, "counter", version, [event(version + 1)])

        await retry_on_conflict(attempt, attempts=50)

    await asyncio.gather(*(increment() for _ in range(8)))
    async with pool.connection() as conn:
        assert await store.version(conn, "counter") == 8


class ListSink:
    def __init__(self) -> None:
        self.published: list[Envelope] = []

    async def __call__(self, envelopes: Sequence[Envelope]) -> None:
        await asyncio.sleep(0.001)  # a broker round trip
        self.published.extend(envelopes)


async def test_the_relay_publishes_every_event_once_in_position_order_under_concurrent_appends(
    pool: AsyncConnectionPool,
    database_url: str,
) -> None:
    """Positions can be taken out of commit order by concurrent transactions; the relay must
    never move its checkpoint past one that commits later (ARCHITECTURE section 4)."""
    store, sink = EventStore(), ListSink()
    relay = Relay(pool, database_url, sink, source="test", batch_size=7, poll_interval_s=0.05)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))

    async def writer(w: int) -> None:
        for i in range(25):
            async with pool.connection() as conn, conn.transaction():
                await store.append(
                    conn, f"w-{w}-{i % 3}", await store.version(conn, f"w-{w}-{i % 3}"), [event(i)]
                )
                await asyncio.sleep(0.002 * (w % 3))  # hold the transaction open a little

    await asyncio.gather(*(writer(w) for w in range(8)))
    async with pool.connection() as conn:
        head = await store.head(conn)
    for _ in range(200):
        if relay.published_position >= head:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await relay_task
    async with pool.connection() as conn:
        all_ids = [e.event_id for e in await store.read_after(conn, 0, limit=10_000)]
    assert [e.event_id for e in sink.published] == all_ids
    assert len(all_ids) == 200


async def test_the_relay_resumes_after_its_checkpoint_without_republishing(
    pool: AsyncConnectionPool,
    database_url: str,
) -> None:
    store, sink = EventStore(), ListSink()
    async with pool.connection() as conn:
        await store.append(conn, "r", 0, [event(1), event(2)])
    first = Relay(pool, database_url, sink, source="test")
    assert await first.publish_pending() == 2
    async with pool.connection() as conn:
        await store.append(conn, "r", 2, [event(3)])
    second = Relay(pool, database_url, sink, source="test")
    assert await second.publish_pending() == 1
    assert [e.payload["n"] for e in sink.published] == [1, 2, 3]


@pytest.mark.parametrize("expected", [1, 5])
async def test_an_append_to_a_new_stream_with_a_nonzero_expected_version_is_a_conflict(
    pool: AsyncConnectionPool,
    expected: int,
) -> None:
    async with pool.connection() as conn:
        await EventStore().append(conn, "exists", 0, [event(0)] * 1)
        with pytest.raises(ConcurrencyError):
            await EventStore().append(conn, "exists", expected - 1, [event(9)])


async def test_appends_at_the_end_from_many_writers_all_land_in_order_without_conflict(
    pool: AsyncConnectionPool,
) -> None:
    """Facts that decide nothing (a registration, a station message) need no expected version."""
    store = EventStore()

    async def record(n: int) -> None:
        async with pool.connection() as conn:
            await store.append(conn, "facts", None, [event(n)])

    await asyncio.gather(*(record(n) for n in range(20)))
    async with pool.connection() as conn:
        loaded = await store.load(conn, "facts")
    assert [e.stream_version for e in loaded] == list(range(1, 21))
    assert sorted(e.payload["n"] for e in loaded) == list(range(20))
