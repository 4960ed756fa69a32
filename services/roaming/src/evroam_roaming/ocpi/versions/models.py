"""Versions module objects (OCPI 2.2.1 section 2.1)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

VersionNumber = Literal["2.0", "2.1", "2.1.1", "2.2", "2.2.1"]
ModuleID = Literal[
    "cdrs",
    "chargingprofiles",
    "commands",
    "credentials",
    "hubclientinfo",
    "locations",
    "sessions",
    "tariffs",
    "tokens",
]
InterfaceRole = Literal["SENDER", "RECEIVER"]


class Version(BaseModel):
    version: VersionNumber
    url: str


class Endpoint(BaseModel):
    identifier: ModuleID
    role: InterfaceRole
    url: str


class VersionDetails(BaseModel):
    version: VersionNumber
    endpoints: list[Endpoint]
