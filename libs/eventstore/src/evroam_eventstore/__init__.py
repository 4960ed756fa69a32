"""The per-service PostgreSQL event store and what hangs off it: the relay (outbox to Kafka),
consumer tracking, projections with rebuild and checksums, and migrations."""

from evroam_eventstore.db import open_pool
from evroam_eventstore.migrations import apply_migrations
from evroam_eventstore.store import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    RecordedEvent,
    retry_on_conflict,
)

__all__ = [
    "ConcurrencyError",
    "EventStore",
    "NewEvent",
    "RecordedEvent",
    "apply_migrations",
    "open_pool",
    "retry_on_conflict",
]
