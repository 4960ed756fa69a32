"""Full-flow fixtures: all seven services running on real infrastructure, exporting spans to
an OTLP receiver, driven through their public interfaces only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

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
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        # The unfinished-session policy's grace period, short enough to watch it close one.
        "EVROAM_SESSION_UNFINISHED_AFTER_S": "4",
        "EVROAM_SESSION_SWEEP_EVERY_S": "1",
    }


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


@pytest.fixture(scope="session")
def new_station(platform: Platform) -> Callable[..., Awaitable[str]]:
    """A factory of fresh registered stations: `await new_station(evses=None)` returns the id
    of a station at a location of its own (the scenario's one EVSE unless `evses` are given),
    once the gateway knows it."""

    async def create(evses: list[dict[str, Any]] | None = None) -> str:
        sc = scenario.Scenario.new()
        await platform.register_location(scenario.location(sc))
        station = scenario.station(sc)
        if evses is not None:
            station["evses"] = evses
        await platform.register_station(station)
        await platform.eventually(
            f"station {sc.station_id} registered",
            "gateway",
            lambda: platform.found("gateway", f"/stations/{sc.station_id}"),
        )
        return sc.station_id

    return create
