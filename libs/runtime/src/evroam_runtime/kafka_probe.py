"""What only the broker knows, for a service's /metrics: each of its consumer groups' lag per
partition, and how many dead letters its dead-letter topic holds that were not replayed yet
(evroam_runtime.dlq_tally). Measured when Prometheus
scrapes (so the numbers are as fresh as the scrape), with a deadline: a broker that does not
answer makes the scrape say so (`evroam_kafka_probe_up 0`), never hang."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from evroam_contracts.topics import dlq_topic
from evroam_messaging import Consumer
from evroam_messaging.lag import LagReader, PartitionLag
from evroam_runtime.dlq_tally import DlqTally

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KafkaReadings:
    up: bool = False
    lag: Sequence[PartitionLag] = ()
    dlq_records: dict[str, int] = field(default_factory=dict)  # DLQ topic -> letters waiting


class KafkaProbe:
    def __init__(
        self,
        bootstrap: str,
        service: str,
        consumers: Sequence[Consumer],
        timeout_s: float = 3.0,
    ) -> None:
        self._bootstrap, self._service, self._consumers = bootstrap, service, consumers
        self._timeout_s = timeout_s
        self._reader: LagReader | None = None
        # Kept across reconnections: it goes on reading where it stopped.
        self._tally = DlqTally(bootstrap, client_id=f"evroam-{service}-metrics-dlq")
        self._lock = asyncio.Lock()
        self.readings = KafkaReadings()

    async def refresh(self) -> KafkaReadings:
        async with self._lock:  # concurrent scrapes share one measurement at a time
            try:
                self.readings = await asyncio.wait_for(self._measure(), self._timeout_s)
            except Exception as exc:  # a scrape reports the broker's absence, it does not fail
                log.warning("kafka probe: %s", exc or type(exc).__name__)
                self.readings = KafkaReadings(up=False)
                await self.stop()  # connect anew next time
            return self.readings

    async def stop(self) -> None:
        reader, self._reader = self._reader, None
        for client in (reader, self._tally):
            try:
                if client is not None:
                    await client.stop()
            except Exception as exc:  # already broken: nothing more to release
                log.debug("kafka probe stop: %r", exc)

    async def _connect(self) -> LagReader:
        if self._reader is None:
            reader = LagReader(self._bootstrap, client_id=f"evroam-{self._service}-metrics")
            await reader.start()
            self._reader = reader
        return self._reader

    async def _measure(self) -> KafkaReadings:
        reader = await self._connect()
        dlq = dlq_topic(self._service)
        topics = {t for c in self._consumers for t in c.topics}
        ends = await reader.end_offsets(reader.partitions(sorted({*topics, dlq})))
        lag: list[PartitionLag] = []
        for c in self._consumers:
            own = {tp: end for tp, end in ends.items() if tp.topic in c.topics}
            lag += await reader.group_lag(c.group, own)
        dlq_ends = {tp: end for tp, end in ends.items() if tp.topic == dlq}
        if not dlq_ends:
            return KafkaReadings(up=True, lag=lag)
        starts = await reader.beginning_offsets(list(dlq_ends))
        waiting = await self._tally.waiting(starts, dlq_ends)
        return KafkaReadings(up=True, lag=lag, dlq_records={dlq: waiting})
