"""Full-flow fixtures: all seven services running on real infrastructure, exporting spans to
an OTLP receiver, driven through their public interfaces only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_cli.endpoints import Endpoints
from evroam_testing.otlp import SpanStore, otlp_receiver
from evroam_testing.stack import Stack


@pytest.fixture(scope="session")
def otlp() -> Iterator[tuple[str, SpanStore]]:
    with otlp_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def stack_env(otlp: tuple[str, SpanStore]) -> dict[str, str]:
    endpoint, _ = otlp
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}


@pytest.fixture(scope="session")
def spans(otlp: tuple[str, SpanStore]) -> SpanStore:
    return otlp[1]


@pytest.fixture(scope="session")
def endpoints(stack: Stack) -> Endpoints:
    return Endpoints(
        http=stack.http_urls,
        ocpp_url=stack.ocpp_url,
        admin_token=stack.admin_token,
        kafka_bootstrap_servers=stack.infra.kafka_bootstrap_servers,
    )


@pytest.fixture(scope="session")
async def platform(endpoints: Endpoints) -> AsyncIterator[Platform]:
    async with httpx.AsyncClient(timeout=10) as http:
        p = Platform(endpoints, http)
        await p.require_ready()
        yield p


@pytest.fixture(scope="session")
async def provisioned(platform: Platform) -> tuple[scenario.Scenario, str]:
    """One location, station, tariff, token and eMSP partner shared by the flow tests."""
    sc = scenario.Scenario.new()
    partner_token = await scenario.provision(platform, sc)
    return sc, partner_token
