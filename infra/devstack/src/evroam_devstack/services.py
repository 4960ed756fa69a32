"""The evroam services as docs/service-runtime.md describes them: names, ports, command, env."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from evroam_devstack.ports import LOCALHOST, PortAllocator

SERVICES: tuple[str, ...] = (
    "gateway",
    "authorization",
    "tariff",
    "session",
    "cdr",
    "roaming",
    "billing",
)
DEFAULT_HTTP_PORTS: Mapping[str, int] = {
    "gateway": 8101,
    "authorization": 8102,
    "tariff": 8103,
    "session": 8104,
    "cdr": 8105,
    "roaming": 8106,
    "billing": 8107,
}
DEFAULT_OCPP_PORT = 9000
OCPP_SERVICE = "gateway"
OCPI_SERVICE = "roaming"

ServiceCommand = Callable[[str, str], Sequence[str]]
"""(service, action) -> argv; action is "run" or "migrate"."""


def python_module_command(service: str, action: str) -> list[str]:
    """`python -m evroam_<svc> run|migrate` with this interpreter, as the contract says."""
    return [sys.executable, "-m", f"evroam_{service}", action]


def template_command(template: str) -> ServiceCommand:
    """A command from a template such as `{python} -m evroam_{service} {action}`."""
    words = shlex.split(template)

    def command(service: str, action: str) -> list[str]:
        values = {"python": sys.executable, "service": service, "action": action}
        return [word.format(**values) for word in words]

    return command


def parse_services(text: str) -> tuple[str, ...]:
    """`gateway,session` -> ("gateway", "session"), in the canonical order; unknown names fail."""
    wanted = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(SERVICES))
    if unknown:
        raise ValueError(f"unknown services: {', '.join(unknown)} (known: {', '.join(SERVICES)})")
    return tuple(name for name in SERVICES if name in wanted)


@dataclass(frozen=True)
class ServiceConfig:
    name: str
    http_port: int
    database_url: str
    ocpp_port: int | None = None
    host: str = LOCALHOST

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def ocpp_url(self) -> str | None:
        return f"ws://{self.host}:{self.ocpp_port}/ocpp" if self.ocpp_port else None


def plan_services(
    services: Sequence[str],
    *,
    database_urls: Mapping[str, str],
    ports: PortAllocator,
) -> list[ServiceConfig]:
    configs = []
    for name in services:
        ocpp_port = ports.take("gateway OCPP", DEFAULT_OCPP_PORT) if name == OCPP_SERVICE else None
        configs.append(
            ServiceConfig(
                name=name,
                http_port=ports.take(f"{name} http", DEFAULT_HTTP_PORTS.get(name)),
                database_url=database_urls[name],
                ocpp_port=ocpp_port,
                host=ports.host,
            )
        )
    return configs


def service_env(
    config: ServiceConfig,
    *,
    kafka_bootstrap_servers: str,
    admin_token: str,
    base_env: Mapping[str, str],
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of one service process; `extra_env` (e.g. the OTLP endpoint) wins."""
    prefix = f"EVROAM_{config.name.upper()}_"
    env = {key: value for key, value in base_env.items() if not key.startswith(prefix)}
    env.update(
        {
            f"{prefix}DATABASE_URL": config.database_url,
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
            f"{prefix}HTTP_HOST": config.host,
            f"{prefix}HTTP_PORT": str(config.http_port),
            f"{prefix}ADMIN_TOKEN": admin_token,
            "OTEL_SERVICE_NAME": f"evroam-{config.name}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if config.ocpp_port is not None:
        env[f"{prefix}OCPP_HOST"] = config.host
        env[f"{prefix}OCPP_PORT"] = str(config.ocpp_port)
    if config.name == OCPI_SERVICE:
        env[f"{prefix}PUBLIC_URL"] = config.http_url
    env.update(extra_env or {})
    return env
