"""What the invoice and settlement suites share: one of the service's consumer groups fed one
record at a time through the real `process` (with a producer that records dead letters), and
its projections folded on demand. The suites' conftests subclass `Feed` with the helpers of
their own events; conftest.py puts this directory on sys.path for them, as pytest's importlib
mode puts no test directory there."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope, Message
from evroam_contracts.cdr import Cdr, CdrIssued
from evroam_contracts.ids import new_id
from evroam_eventstore.projections import Projection, ProjectionRunner
from evroam_messaging import Consumer
from evroam_messaging.consumer import process
from evroam_testing.fakes import Record, RecordingProducer


class Feed:
    def __init__(
        self, pool: AsyncConnectionPool, consumer: Consumer, projections: Sequence[Projection]
    ) -> None:
        self.pool = pool
        self.consumer = consumer
        self.projections = list(projections)
        self.producer = RecordingProducer()
        self.offset = 0

    @staticmethod
    def envelope(
        message: Message,
        stream_id: str,
        *,
        event_id: uuid.UUID | None = None,
        correlation_id: str = "corr-1",
    ) -> Envelope:
        return Envelope(
            event_id=event_id or new_id(),
            type=message.type_name,
            version=message.version,
            source=f"evroam.{message.producer}",
            time=datetime.now(UTC),
            stream_id=stream_id,
            stream_version=1,
            payload=message.to_json_dict(),
            correlation_id=correlation_id,
        )

    def issued(self, cdr: Cdr, time_zone: str = "Europe/Amsterdam", **kw: Any) -> Envelope:
        """cdr.issued: a CDR of our own network."""
        message = CdrIssued(cdr=cdr, time_zone=time_zone)
        return self.envelope(message, f"cdr-{cdr.session_id}", **kw)

    async def deliver(self, envelope: Envelope) -> None:
        """On its producer's topic (evroam.cdr.events, evroam.roaming.events), next offset."""
        self.offset += 1
        topic = f"{envelope.source}.events"
        record = Record(topic, 0, self.offset, envelope.key, envelope.value(), envelope.headers())
        await process(self.consumer, self.pool, self.producer, record)

    async def issue(self, cdr: Cdr, time_zone: str = "Europe/Amsterdam") -> None:
        await self.deliver(self.issued(cdr, time_zone))

    @property
    def dead_letters(self) -> list[dict[str, str]]:
        return [h for topic, h in self.producer.sent if topic == "evroam.billing.dlq"]

    async def fold(self) -> int:
        """Fold the log into the read models, as the service's projection runner does; return
        how many events were applied."""
        runner = ProjectionRunner(self.pool, "unused", self.projections)
        await runner.setup()
        folded = 0
        while applied := await runner.step():
            folded += applied
        return folded
