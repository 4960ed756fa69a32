"""Consumer lag, the one way it is measured (by `evroam lag` and by every service's /metrics):
for a group and a partition, the end offset minus the group's committed offset."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing on this partition yet
    end: int

    @property
    def behind(self) -> int:
        """Records not yet handled; from the start when nothing was committed (groups read
        from the earliest offset, and events topics keep everything)."""
        return max(0, self.end - (self.committed or 0))


class LagReader:
    """An admin client (committed offsets) and a bare consumer (end offsets); long-lived, so
    a service can ask at every scrape without connecting anew."""

    def __init__(self, bootstrap: str, client_id: str = "evroam-lag") -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, client_id=client_id, enable_auto_commit=False
        )

    async def start(self) -> None:
        await self._admin.start()
        try:
            await self._consumer.start()
        except BaseException:  # cancelled by a deadline too: leave no client behind
            await self._admin.close()
            raise

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def __aenter__(self) -> LagReader:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def groups(self) -> list[str]:
        return sorted(g[0] for g in await self._admin.list_consumer_groups())

    def partitions(self, topics: Iterable[str]) -> list[TopicPartition]:
        return [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(self._consumer.partitions_for_topic(t) or ())
        ]

    async def end_offsets(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        return dict(await self._consumer.end_offsets(list(tps))) if tps else {}

    async def beginning_offsets(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        return dict(await self._consumer.beginning_offsets(list(tps))) if tps else {}

    async def group_lag(self, group: str, ends: dict[TopicPartition, int]) -> list[PartitionLag]:
        """The group's lag on every partition in `ends`."""
        if not ends:
            return []
        # Explicit partitions: Tansu answers the "all partitions" form of OffsetFetch in a
        # shape aiokafka cannot decode.
        committed = await self._admin.list_consumer_group_offsets(group, partitions=list(ends))
        return [
            PartitionLag(
                group,
                tp.topic,
                tp.partition,
                m.offset if (m := committed.get(tp)) is not None and m.offset >= 0 else None,
                end,
            )
            for tp, end in sorted(ends.items())
        ]
