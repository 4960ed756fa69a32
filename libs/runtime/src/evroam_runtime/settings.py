"""Settings every service has (docs/service-runtime.md); services subclass with their prefix."""

from __future__ import annotations

import os
import socket

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    # 1 MiB: the largest body any route takes (an OCPI Location with its EVSEs, a tariff)
    # is a few tens of kB; more is a mistake or an attack, refused before it is parsed.
    http_max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    admin_token: str | None = Field(default=None, repr=False)
    instance_id: str = Field(default_factory=_default_instance)
    log_level: str = "INFO"
