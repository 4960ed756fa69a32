"""Base classes for wire messages.

A message class carries its wire identity as class variables (`type_name`, `version`,
`producer`), spelled out by hand: wire names never derive from Python import paths.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """A payload that crosses a process boundary. Frozen; unknown fields are kept, not lost,
    so a consumer on an older catalogue still round-trips a newer producer's optional fields."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type_name: ClassVar[str]
    version: ClassVar[int] = 1
    producer: ClassVar[str]

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Event(Message):
    """Something that happened: past tense, subject first (`session.started`)."""


class Command(Message):
    """Something asked of a service: imperative (`gateway.remote_start_transaction`)."""
