"""Where everything of a running devstack is: `.devstack/endpoints.json` and the printed table."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENDPOINTS_FILE = "endpoints.json"


@dataclass(frozen=True)
class ServiceEndpoint:
    database_url: str
    http_url: str | None = None
    pid: int | None = None
    log: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Keys without a value are left out (`infra` mode has databases only)."""
        data = {
            "http_url": self.http_url,
            "database_url": self.database_url,
            "pid": self.pid,
            "log": self.log,
        }
        return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap_servers: str
    postgres_url: str
    admin_token: str
    ocpp_url: str | None = None
    ocpi_versions_url: str | None = None
    services: Mapping[str, ServiceEndpoint] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kafka_bootstrap_servers": self.kafka_bootstrap_servers,
            "postgres_url": self.postgres_url,
            "admin_token": self.admin_token,
            "ocpp_url": self.ocpp_url,
            "ocpi_versions_url": self.ocpi_versions_url,
            "services": {name: svc.to_json() for name, svc in self.services.items()},
        }


def write_endpoints(path: Path, endpoints: Endpoints) -> Path:
    """Write atomically, readable by the owner only: the file holds the admin token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        json.dump(endpoints.to_json(), stream, indent=2)
        stream.write("\n")
    temporary.replace(path)
    return path


def read_endpoints(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def render_endpoints(endpoints: Endpoints) -> str:
    rows: list[tuple[str, str]] = []
    if endpoints.ocpp_url:
        rows.append(("OCPP (stations)", f"{endpoints.ocpp_url}/<station id>"))
    if endpoints.ocpi_versions_url:
        rows.append(("OCPI versions", endpoints.ocpi_versions_url))
    for name, service in endpoints.services.items():
        if service.http_url:
            rows.append((f"{name} API", service.http_url))
        else:  # `infra`: the databases are what there is to see
            rows.append((f"{name} database", service.database_url))
    rows.append(("Kafka", endpoints.kafka_bootstrap_servers))
    rows.append(("PostgreSQL", endpoints.postgres_url))
    rows.append(("admin token", f"Authorization: Bearer {endpoints.admin_token}"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)
