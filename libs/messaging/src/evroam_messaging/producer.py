"""The producer every service uses to publish envelopes: acks=all, no idempotent producer
(Tansu does not offer one), retries while the broker is not there yet."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from tenacity import AsyncRetrying, before_sleep_log, stop_after_delay, wait_exponential

from evroam_contracts import Envelope

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 1024 * 1024


class Producer:
    def __init__(self, bootstrap_servers: str, client_id: str) -> None:
        self._bootstrap, self._client_id = bootstrap_servers, client_id
        self._producer: AIOKafkaProducer | None = None

    async def start(self, wait_s: float = 60.0) -> None:
        async for attempt in AsyncRetrying(
            stop=stop_after_delay(wait_s),
            wait=wait_exponential(multiplier=0.2, max=5),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        ):
            with attempt:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    acks="all",
                    enable_idempotence=False,
                    linger_ms=2,
                    max_request_size=MAX_MESSAGE_BYTES,
                )
                try:
                    await producer.start()
                except Exception:
                    await producer.stop()
                    raise
                self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.flush()
            await self._producer.stop()
            self._producer = None

    @property
    def started(self) -> bool:
        return self._producer is not None

    async def send_envelopes(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        """Send in order and wait until the broker acknowledged every one."""
        futures = [
            await self.send_raw(topic, e.key, e.value(), e.headers(), wait=False) for e in envelopes
        ]
        await asyncio.gather(*futures)

    async def send_raw(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: list[tuple[str, bytes]],
        *,
        wait: bool = True,
    ) -> asyncio.Future[object]:
        if self._producer is None:
            raise RuntimeError("producer not started")
        future: asyncio.Future[object] = await self._producer.send(
            topic, value=value, key=key, headers=headers
        )
        if wait:
            await future
        return future
