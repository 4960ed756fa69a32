"""Where the platform is: `.devstack/endpoints.json` as `make run` writes it, or the same
shape from anywhere else (compose, a cluster port-forward)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(".devstack/endpoints.json")
SERVICES = ("gateway", "authorization", "tariff", "session", "cdr", "roaming", "billing")


class EndpointsNotFoundError(FileNotFoundError):
    """No endpoints file: the platform is not running here (start it with `make run`)."""


@dataclass(frozen=True)
class Endpoints:
    http: dict[str, str]
    ocpp_url: str
    admin_token: str
    kafka_bootstrap_servers: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Endpoints:
        return cls(
            http={name: s["http_url"] for name, s in data["services"].items()},
            ocpp_url=data["ocpp_url"],
            admin_token=data["admin_token"],
            kafka_bootstrap_servers=data["kafka_bootstrap_servers"],
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> Endpoints:
        if not path.exists():
            raise EndpointsNotFoundError(
                f"{path} not found: start the platform with `make run` (it writes this file), "
                "or pass --endpoints"
            )
        return cls.from_dict(json.loads(path.read_text()))
