"""Credentials module objects (OCPI 2.2.1 section 2.2)."""

from __future__ import annotations

from pydantic import BaseModel

from evroam_contracts.roaming import Role


class BusinessDetails(BaseModel):
    name: str


class CredentialsRole(BaseModel):
    role: Role
    business_details: BusinessDetails
    party_id: str
    country_code: str


class Credentials(BaseModel):
    token: str
    url: str
    roles: list[CredentialsRole]
