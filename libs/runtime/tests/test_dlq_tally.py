"""The DLQ figure on /metrics, on the real broker: dead letters not replayed yet, as
`evroam dlq replay` leaves them (a marker record per replay, naming the letter)."""

from __future__ import annotations

import secrets

from evroam_contracts.topics import dlq_topic
from evroam_devstack import TopicSpec
from evroam_messaging import Producer
from evroam_messaging.consumer import REPLAYED_OF_HEADER
from evroam_messaging.lag import LagReader
from evroam_runtime.dlq_tally import DlqTally
from evroam_runtime.kafka_probe import KafkaProbe
from evroam_testing.infra import Infra


def _service(infra: Infra) -> str:
    name = f"dlqtally{secrets.token_hex(3)}"
    infra.create_topics([TopicSpec(dlq_topic(name), "dlq", 1)])
    return name


async def _letter(producer: Producer, dlq: str, key: str) -> None:
    headers = [("x_dlq_reason", b"a station that cannot be"), ("x_dlq_consumer", b"g")]
    await producer.send_raw(dlq, key.encode(), b'{"station_id": "CS1"}', headers)


async def _marker(producer: Producer, dlq: str, key: str, offset: int) -> None:
    """What `evroam dlq replay` appends once it has sent letter `offset` back."""
    headers = [(REPLAYED_OF_HEADER, f"0:{offset}".encode()), ("x_dlq_replayed_at", b"now")]
    await producer.send_raw(dlq, key.encode(), b"", headers)


async def test_a_replayed_dead_letter_stops_counting_and_its_markers_never_count(
    infra: Infra, producer: Producer
) -> None:
    service = _service(infra)
    dlq = dlq_topic(service)
    probe = KafkaProbe(infra.kafka_bootstrap_servers, service, [])

    async def waiting() -> int | None:
        readings = await probe.refresh()
        assert readings.up
        return readings.dlq_records.get(dlq)

    try:
        assert await waiting() == 0
        for key in ("CS0", "CS1", "CS2"):
            await _letter(producer, dlq, key)
        assert await waiting() == 3
        await _marker(producer, dlq, "CS1", 1)
        assert await waiting() == 2
        await _marker(producer, dlq, "CS1", 1)  # replayed again (--again)
        await probe.stop()  # a broken connection: the next scrape reconnects, goes on
        assert await waiting() == 2
        await _letter(producer, dlq, "CS1")  # the replay failed again: a new letter
        assert await waiting() == 3
    finally:
        await probe.stop()


async def test_a_backlog_over_the_read_budget_counts_whole_until_later_scrapes_read_it(
    infra: Infra, producer: Producer
) -> None:
    dlq = dlq_topic(_service(infra))
    for key in ("CS0", "CS1", "CS2", "CS3"):
        await _letter(producer, dlq, key)
    await _marker(producer, dlq, "CS0", 0)
    tally = DlqTally(infra.kafka_bootstrap_servers, "dlq-tally-test", budget=2)
    async with LagReader(infra.kafka_bootstrap_servers) as reader:
        tps = reader.partitions([dlq])
        ends, starts = await reader.end_offsets(tps), await reader.beginning_offsets(tps)
    try:
        # Two records read a scrape; the three not read yet count as letters meanwhile.
        assert [await tally.waiting(starts, ends) for _ in range(4)] == [5, 5, 3, 3]
    finally:
        await tally.stop()


async def test_between_scrapes_the_tally_fetches_nothing(infra: Infra, producer: Producer) -> None:
    dlq = dlq_topic(_service(infra))
    await _letter(producer, dlq, "CS0")
    tally = DlqTally(infra.kafka_bootstrap_servers, "dlq-tally-test")
    async with LagReader(infra.kafka_bootstrap_servers) as reader:
        tps = reader.partitions([dlq])
        ends, starts = await reader.end_offsets(tps), await reader.beginning_offsets(tps)
    try:
        assert await tally.waiting(starts, ends) == 1
        # An assigned partition not paused is long-polled by the client's fetcher without end.
        consumer = tally._consumer
        assert consumer is not None
        assert consumer.assignment() == set(tps)
        assert consumer.paused() == set(tps)
    finally:
        await tally.stop()
