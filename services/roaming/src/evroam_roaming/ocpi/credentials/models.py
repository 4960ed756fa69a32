"""Credentials module objects (OCPI 2.2.1 section 2.2)."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from evroam_contracts.roaming import Role
from evroam_roaming.domain.partners import Partner
from evroam_roaming.ocpi.envelope import StatusCode


class BusinessDetails(BaseModel):
    name: str


class CredentialsRole(BaseModel):
    role: Role
    business_details: BusinessDetails
    party_id: str = Field(min_length=3, max_length=3)
    country_code: str = Field(min_length=2, max_length=2)


class Credentials(BaseModel):
    token: str = Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
    url: str = Field(min_length=1, max_length=255)
    roles: list[CredentialsRole] = Field(min_length=1)


class Registrar(Protocol):
    """Completes the registration handshake for an authenticated partner, or updates or ends
    its registration; `register` and `update` return the credentials token it presents from
    now on (token C)."""

    async def register(self, partner: Partner, credentials: Credentials) -> str: ...

    async def update(self, partner: Partner, credentials: Credentials) -> str: ...

    async def unregister(self, partner: Partner) -> None: ...


class PartnerApiError(Exception):
    """The partner's API could not be used during the handshake; `status_code` is the OCPI
    code to answer with (3001 unreachable, 3002 no common version, 3003 no endpoints)."""

    def __init__(self, status_code: StatusCode, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
