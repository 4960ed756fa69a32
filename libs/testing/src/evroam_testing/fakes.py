"""Small fakes for integration tests of consumers: a Kafka record without a broker, and a
producer that records instead of sending (tests of what a consumer dead-letters)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from evroam_messaging import Producer


@dataclass(frozen=True)
class Record:
    """The attributes the consumer reads from an aiokafka ConsumerRecord."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class RecordingProducer(Producer):
    """Sends nothing: remembers each record (here, only dead letters are ever sent)."""

    def __init__(self) -> None:
        super().__init__("unused:9092", "test")
        self.sent: list[tuple[str, dict[str, str]]] = []

    async def send_raw(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: list[tuple[str, bytes]],
        *,
        wait: bool = True,
    ) -> asyncio.Future[object]:
        self.sent.append((topic, {k: v.decode() for k, v in headers}))
        done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done
