"""Event store and relay on the devstack's real PostgreSQL and broker: how many appends per
second the serialised append (ADR 0001) allows, and how fast the relay drains the outbox into
Kafka (acks=all)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from evroam_contracts import Envelope
from evroam_devstack import (
    Broker,
    Postgres,
    TopicSpec,
    create_database,
    create_topics,
    free_port,
)
from evroam_eventstore import EventStore, NewEvent, apply_migrations, open_pool
from evroam_eventstore.relay import Relay
from evroam_messaging import Producer

TOPIC = "evroam.bench.events"


async def _append_all(pool: object, events: int, writers: int) -> float:
    store = EventStore()

    async def writer(w: int) -> None:
        for i in range(events // writers):
            async with pool.connection() as conn:  # type: ignore[attr-defined]
                stream = f"bench-{w}-{i % 50}"
                version = await store.version(conn, stream)
                await store.append(
                    conn,
                    stream,
                    version,
                    [
                        NewEvent(
                            type="bench.happened", version=1, payload={"i": i, "pad": "x" * 200}
                        )
                    ],
                )

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return time.perf_counter() - started


async def _relay_all(pool: object, url: str, bootstrap: str, total: int) -> float:
    producer = Producer(bootstrap, "bench")
    await producer.start()

    async def sink(envelopes: Sequence[Envelope]) -> None:
        await producer.send_envelopes(TOPIC, envelopes)

    relay = Relay(pool, url, sink, source="bench", batch_size=500)  # type: ignore[arg-type]
    started = time.perf_counter()
    published = 0
    while published < total:
        published += await relay.publish_pending()
    elapsed = time.perf_counter() - started
    await producer.stop()
    return elapsed


async def run(events: int, writers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        with (
            Postgres(port=free_port(), log_path=logs / "pg.log") as pg,
            Broker(port=free_port(), log_path=logs / "broker.log") as broker,
        ):
            create_database(pg.url, "bench")
            url = pg.database_url("bench")
            apply_migrations(url)
            create_topics(broker.bootstrap_servers, [TopicSpec(TOPIC, "events", 4)])
            pool = await open_pool(url, max_size=writers + 2)
            total = (events // writers) * writers
            append_s = await _append_all(pool, events, writers)
            relay_s = await _relay_all(pool, url, broker.bootstrap_servers, total)
            await pool.close()
    print("| measurement | value |\n| --- | --- |")
    print(
        f"| appends ({writers} concurrent writers, 1 event each, ~300 B) | "
        f"{total / append_s:,.0f} events/s ({total} in {append_s:.2f} s) |"
    )
    print(
        f"| relay outbox -> Kafka (batches of 500, acks=all) | "
        f"{total / relay_s:,.0f} events/s ({total} in {relay_s:.2f} s) |"
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.eventstore", description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.events, args.writers))
