"""Events of the roaming (OCPI) service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from evroam_contracts.base import Event

P = "roaming"

Role = Literal["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"]


class PartnerRegistered(Event):
    """A partner platform may now call us with the credentials token whose SHA-256 is given
    (the token itself never enters the log)."""

    type_name: ClassVar[str] = "roaming.partner_registered"
    producer: ClassVar[str] = P
    partner_id: str
    name: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    role: Role
    token_sha256: str = Field(min_length=64, max_length=64)
    registered_at: datetime


EVENTS = (PartnerRegistered,)
