"""Events of the tariff service. A published version is immutable; a new version of the same
tariff id is a new event, never an edit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from evroam_contracts.base import Event

P = "tariff"


class TariffPublished(Event):
    type_name: ClassVar[str] = "tariff.published"
    producer: ClassVar[str] = P
    tariff_id: str = Field(max_length=36)
    tariff_version: int = Field(ge=1)
    tariff: dict[str, Any] = Field(description="the OCPI 2.2.1 Tariff object of this version")
    published_at: datetime


class TariffAssigned(Event):
    """From `effective_from` on, sessions starting at the location use this tariff."""

    type_name: ClassVar[str] = "tariff.assigned"
    producer: ClassVar[str] = P
    location_id: str
    tariff_id: str
    tariff_version: int = Field(ge=1)
    effective_from: datetime


EVENTS = (TariffPublished, TariffAssigned)
