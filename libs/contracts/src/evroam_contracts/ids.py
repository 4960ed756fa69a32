"""Identifiers: UUIDv7 everywhere an id is minted (time-ordered, index friendly)."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A new UUIDv7 as a standard `uuid.UUID`."""
    return uuid.UUID(str(uuid6.uuid7()))
