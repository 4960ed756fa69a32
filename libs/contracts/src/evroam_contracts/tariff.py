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
    """From `effective_from` on, sessions in this scope use this tariff version.

    The scope is the location, narrowed optionally to one EVSE or connector, to sessions of one
    tariff type (OCPI Tariff.type: AD_HOC_PAYMENT, PROFILE_*, REGULAR; absent = every type),
    and to the drivers of one eMSP party. The most specific assignment in force wins.
    """

    type_name: ClassVar[str] = "tariff.assigned"
    producer: ClassVar[str] = P
    location_id: str
    tariff_id: str
    tariff_version: int = Field(ge=1)
    effective_from: datetime
    evse_uid: str | None = None
    connector_id: str | None = None
    tariff_type: str | None = None
    emsp_country_code: str | None = None
    emsp_party_id: str | None = None


class TariffRetired(Event):
    """From `retired_from` on, no assignment of this tariff applies any more; sessions that
    started before keep the version they locked."""

    type_name: ClassVar[str] = "tariff.retired"
    producer: ClassVar[str] = P
    tariff_id: str
    retired_from: datetime


EVENTS = (TariffPublished, TariffAssigned, TariffRetired)
