"""A second gateway process beside a stack's: the same database (so the same registry, call
ledger and socket table) and broker, its own ports and settings. Tests use it for what needs
another replica (commands handed over between replicas) or other settings (the Pending
policy, TLS, required passwords, tight rate limits) without restarting the shared stack."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from evroam_devstack import PortAllocator
from evroam_devstack.children import ChildProcess
from evroam_testing.stack import Stack


@dataclass(frozen=True)
class GatewayReplica:
    http_url: str
    ocpp_url: str
    ocpp_port: int
    instance_id: str


@asynccontextmanager
async def gateway_replica(
    stack: Stack, name: str, log_dir: Path, env: Mapping[str, str] | None = None
) -> AsyncIterator[GatewayReplica]:
    ports = PortAllocator(prefer_defaults=False)
    http_port, ocpp_port = ports.take(f"{name} http"), ports.take(f"{name} ocpp")
    prefix = "EVROAM_GATEWAY_"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    child_env.update(
        {
            f"{prefix}DATABASE_URL": stack.database_urls["gateway"],
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": stack.infra.kafka_bootstrap_servers,
            f"{prefix}HTTP_HOST": "127.0.0.1",
            f"{prefix}HTTP_PORT": str(http_port),
            f"{prefix}OCPP_HOST": "127.0.0.1",
            f"{prefix}OCPP_PORT": str(ocpp_port),
            f"{prefix}ADMIN_TOKEN": stack.admin_token,
            f"{prefix}INSTANCE_ID": name,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
    )
    child = ChildProcess(
        name,
        [sys.executable, "-m", "evroam_gateway", "run"],
        log_path=log_dir / f"{name}.log",
        env=child_env,
    )
    child.start()
    http_url = f"http://127.0.0.1:{http_port}"
    try:
        await _ready(http_url, child)
        yield GatewayReplica(http_url, f"ws://127.0.0.1:{ocpp_port}/ocpp", ocpp_port, name)
    finally:
        await asyncio.to_thread(child.stop, 10.0)


async def _ready(url: str, child: ChildProcess, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if not child.running:
                raise RuntimeError(f"{child.name} exited:\n{child.log_tail()}")
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise TimeoutError(f"{child.name} not ready in {timeout_s}s:\n{child.log_tail()}")
