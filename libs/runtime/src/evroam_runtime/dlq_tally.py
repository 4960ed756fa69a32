"""How many dead letters of a service's DLQ still wait for `evroam dlq replay`, for /metrics.

The DLQ holds dead letters and, for each replay, a marker naming the letter it replayed
(`REPLAYED_OF_HEADER`), so its size (end minus start offset) is neither. Only reading it
tells them apart: the tally reads each record once, carrying what it learnt from scrape to
scrape, and at each scrape reads only what was appended since, at most `READ_BUDGET` records
and `READ_SECONDS`. A scrape with nothing new fetches nothing, and what it keeps is the
letters still waiting, not the DLQ.

Waiting letters rather than letters and markers apart: `evroam_dlq_records > 0` is then work
for an SRE and clears once it is done, and how many letters ever came is already
`evroam_consumer_dead_letters_total`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from evroam_messaging.consumer import REPLAYED_OF_HEADER

READ_BUDGET = 1000  # records read per scrape at most; a backlog is caught up over scrapes
READ_SECONDS = 1.0  # of the probe's 3 s deadline, the rest is for the lag

Letter = tuple[int, int]  # partition, offset


class DlqTally:
    def __init__(
        self,
        bootstrap: str,
        client_id: str,
        budget: int = READ_BUDGET,
        seconds: float = READ_SECONDS,
    ) -> None:
        self._bootstrap, self._client_id = bootstrap, client_id
        self._budget, self._seconds = budget, seconds
        self._consumer: AIOKafkaConsumer | None = None
        self._next: dict[int, int] = {}  # partition -> the next offset to read
        self._waiting: set[Letter] = set()
        self._marked_ahead: set[Letter] = set()  # markers read before their letter

    async def waiting(
        self, starts: Mapping[TopicPartition, int], ends: Mapping[TopicPartition, int]
    ) -> int:
        """Dead letters not replayed yet. A record not read yet counts as one (a backlog is an
        upper bound until it is read, so a letter is never hidden)."""
        self._forget_before(starts)
        unread = [tp for tp in sorted(ends) if self._next[tp.partition] < ends[tp]]
        if unread:
            await self._read(unread, ends)
        behind = sum(max(0, end - self._next[tp.partition]) for tp, end in ends.items())
        return len(self._waiting) + behind

    async def stop(self) -> None:
        """Close the connection; what was read is kept, and the next read goes on from it."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    def _forget_before(self, starts: Mapping[TopicPartition, int]) -> None:
        for tp, start in starts.items():
            if self._next.get(tp.partition, -1) < start:
                self._next[tp.partition] = start
                # Records below the start are gone (retention): nothing left to replay.
                self._waiting = {
                    (p, o) for p, o in self._waiting if p != tp.partition or o >= start
                }

    async def _read(self, unread: list[TopicPartition], ends: Mapping[TopicPartition, int]) -> None:
        consumer = await self._connect(list(ends))
        for tp in unread:
            consumer.seek(tp, self._next[tp.partition])
        consumer.resume(*unread)
        try:
            budget, deadline = self._budget, time.monotonic() + self._seconds
            while budget > 0 and any(self._next[tp.partition] < ends[tp] for tp in unread):
                left_ms = int((deadline - time.monotonic()) * 1000)
                if left_ms <= 0:
                    return
                batches = await consumer.getmany(*unread, timeout_ms=left_ms, max_records=budget)
                for records in batches.values():
                    for record in records:
                        self._take(record)
                    budget -= len(records)
        finally:
            # An assigned partition is fetched in the background without end (a long poll
            # every fetch_max_wait_ms); paused, it is fetched only while a scrape reads it.
            consumer.pause(*consumer.assignment())

    def _take(self, record: Any) -> None:
        self._next[record.partition] = record.offset + 1
        names = _replay_marker(record.headers)
        if names is None:  # a dead letter
            letter = (record.partition, record.offset)
            if letter in self._marked_ahead:
                self._marked_ahead.discard(letter)
            else:
                self._waiting.add(letter)
        elif names in self._waiting:
            self._waiting.discard(names)
        elif names[1] >= self._next.get(names[0], 0):
            # A marker can come first when its letter sits on another partition (no key).
            self._marked_ahead.add(names)
        # else: a letter replayed again (`--again`), or a marker naming no letter

    async def _connect(self, tps: list[TopicPartition]) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                enable_auto_commit=False,
            )
            try:
                await consumer.start()
            except BaseException:  # cancelled by the deadline too: leave no client behind
                await consumer.stop()
                raise
            self._consumer = consumer
        if set(self._consumer.assignment()) != set(tps):
            self._consumer.assign(tps)
        return self._consumer


def _replay_marker(headers: Any) -> Letter | None:
    """The letter a replay marker names ("partition:offset"); None for a dead letter. A
    marker naming nothing readable names (-1, -1), which no letter is."""
    for key, value in headers or ():
        if key == REPLAYED_OF_HEADER:
            partition, _, offset = bytes(value).decode(errors="replace").partition(":")
            try:
                return int(partition), int(offset)
            except ValueError:
                return -1, -1
    return None
