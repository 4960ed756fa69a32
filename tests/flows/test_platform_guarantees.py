"""What the platform guarantees around the flow: rebuildable projections, one trace per
session, duplicates that change nothing, poison events that stop nothing, and a clear failure
when a service is down (issue: platform foundation, acceptance)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from evroam_cli import scenario
from evroam_cli.client import FlowStepTimeoutError, Platform, ServiceDownError
from evroam_cli.dlq import collect as dead_letters
from evroam_cli.endpoints import Endpoints
from evroam_cli.lag import wait_for_no_lag
from evroam_cli.log import read_to_end
from evroam_cli.trace import collect
from evroam_contracts.topics import SERVICES, events_topic
from evroam_testing.otlp import SpanStore
from evroam_testing.stack import Stack

pytestmark = pytest.mark.flow
# The platform's consumer groups; other tests may leave groups of their own on the broker.
PLATFORM_GROUPS = {
    "evroam.authorization.requests",
    "evroam.session.policies",
    "evroam.cdr.policies",
    "evroam.billing.policies",
    "evroam.billing.settlement",
    "evroam.roaming.cdrs",
}


def _async(probe: Any) -> Any:
    async def call() -> Any:
        return probe()

    return call


async def _billed(
    platform: Platform, sc: scenario.Scenario, hour: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Play a session at `hour` and wait until billing settled it with the driver's eMSP; its
    session and CDR."""
    session = await _session(platform, sc, hour)
    cdr = await scenario.cdr_of(platform, session["id"])
    await scenario.statement_line_of(platform, cdr["id"])
    return session, cdr


async def _session(platform: Platform, sc: scenario.Scenario, hour: int) -> dict[str, Any]:
    started_at = datetime(2026, 3, 3, hour, tzinfo=UTC)
    await scenario.play(platform, sc, started_at)
    return await scenario.session_of(platform, sc, started_at)


async def test_rebuilding_the_session_and_cdr_projections_gives_identical_checksums(
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
    endpoints: Endpoints,
    tmp_path: Path,
) -> None:
    sc, _ = provisioned
    await _billed(platform, sc, 6)
    file = tmp_path / "endpoints.json"
    file.write_text(
        json.dumps(
            {
                "services": {s: {"http_url": u} for s, u in endpoints.http.items()},
                "ocpp_url": endpoints.ocpp_url,
                "admin_token": endpoints.admin_token,
                "kafka_bootstrap_servers": endpoints.kafka_bootstrap_servers,
            }
        )
    )
    for service in ("session", "cdr", "billing", "tariff", "gateway"):
        done = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "evroam_cli.main",
                "--endpoints",
                str(file),
                "rebuild",
                service,
                "--verify",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "equal" in done.stdout
        assert "DIFFERENT" not in done.stdout


async def test_the_spans_of_one_session_share_one_trace_across_five_services(
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
    spans: SpanStore,
) -> None:
    sc, _ = provisioned
    session, _ = await _billed(platform, sc, 7)

    def roots() -> list[Any] | None:  # spans arrive in export batches
        found = [
            s for s in spans.spans if s.attributes.get("evroam.correlation_id") == session["id"]
        ]
        return found or None

    gateway_spans = await platform.eventually("gateway spans exported", "gateway", _async(roots))
    trace_id = gateway_spans[0].trace_id
    wanted = {
        "evroam-gateway",
        "evroam-authorization",
        "evroam-session",
        "evroam-cdr",
        "evroam-billing",
        "evroam-roaming",
    }
    for _ in range(50):  # spans are exported in batches
        services = {s.service for s in spans.trace(trace_id)}
        if wanted <= services:
            break
        await asyncio.sleep(0.2)
    assert len(services) >= 5, services
    assert {s.trace_id for s in gateway_spans} == {trace_id}


async def test_the_trace_command_rebuilds_the_timeline_from_the_event_log(
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
    stack: Stack,
) -> None:
    sc, _ = provisioned
    session, _ = await _billed(platform, sc, 8)
    steps = await collect(stack.infra.kafka_bootstrap_servers, session["id"])
    types = [s.type for s in steps]
    assert types[0] in ("authorization.decided", "station.transaction_started")
    for expected in (
        "station.transaction_started",
        "authorization.decided",
        "session.started",
        "session.completed",
        "cdr.issued",
        "billing.statement_line_added",
    ):
        assert expected in types
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert {s.service for s in steps} >= {"gateway", "authorization", "session", "cdr", "billing"}


async def _republish_all(bootstrap: str, correlation_id: str) -> int:
    """Deliver every event of one session a second time, byte for byte."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    count = 0
    try:
        topics = [events_topic(svc) for svc in SERVICES]
        async for r in read_to_end(bootstrap, topics, progress=None):
            if dict(r.headers).get("evroam_correlation_id") == correlation_id.encode():
                await producer.send_and_wait(r.topic, r.value, r.key, headers=list(r.headers))
                count += 1
    finally:
        await producer.stop()
    return count


async def test_a_duplicate_delivery_of_every_event_changes_nothing(
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
    stack: Stack,
) -> None:
    sc, token = provisioned
    session, cdr = await _billed(platform, sc, 9)
    bootstrap = stack.infra.kafka_bootstrap_servers
    assert await _republish_all(bootstrap, session["id"]) >= 8
    await wait_for_no_lag(bootstrap, timeout_s=60, groups=PLATFORM_GROUPS)
    assert len((await platform.get("cdr", "/cdrs", session_id=session["id"])).json()) == 1
    assert len((await platform.get("billing", "/statement-lines", cdr_id=cdr["id"])).json()) == 1
    ocpi = (await platform.ocpi_get("/ocpi/cpo/2.2.1/cdrs", token)).json()["data"]
    assert [c["id"] for c in ocpi].count(cdr["id"]) == 1
    again = (await platform.get("session", f"/sessions/{session['id']}")).json()
    assert again["kwh"] == session["kwh"]
    assert again["total_cost"] == session["total_cost"]


async def test_a_poison_event_lands_in_the_dead_letter_topic_and_the_flow_goes_on(
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
    stack: Stack,
) -> None:
    bootstrap = stack.infra.kafka_bootstrap_servers
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:  # a cdr.issued whose payload is not a CDR, and a record that is not JSON at all
        headers = [
            ("ce_id", b"01a1fc6b-0000-7000-8000-00000000dead"),
            ("ce_type", b"cdr.issued"),
            ("evroam_version", b"1"),
            ("evroam_stream", b"cdr-poison"),
            ("evroam_stream_version", b"1"),
        ]
        await producer.send_and_wait(
            events_topic("cdr"),
            json.dumps({"cdr": {"id": 42}}).encode(),
            b"cdr-poison",
            headers=headers,
        )
        await producer.send_and_wait(events_topic("cdr"), b"\x00not json", b"cdr-poison")
    finally:
        await producer.stop()
    sc, _ = provisioned
    await _billed(platform, sc, 10)  # the flow behind the poison goes on
    dead = [d for d in await dead_letters(bootstrap) if d.consumer == "evroam.billing.policies"]
    reasons = [d.reason for d in dead if d.source.startswith(f"{events_topic('cdr')}@")]
    assert any("cdr.issued v1" in r and "validation error" in r for r in reasons), reasons
    assert any("malformed envelope" in r for r in reasons), reasons


async def test_the_flow_fails_clearly_while_a_service_is_down_and_loses_nothing(
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
    stack: Stack,
) -> None:
    sc, _ = provisioned
    await asyncio.to_thread(stack.stop, "billing")
    try:
        with pytest.raises(ServiceDownError, match="evroam-billing not running"):
            await platform.require_ready()
        session = await _session(platform, sc, 11)
        cdr = await scenario.cdr_of(platform, session["id"])
        with pytest.raises(FlowStepTimeoutError, match=r"statement line added .* evroam-billing"):
            await scenario.statement_line_of(platform, cdr["id"], timeout_s=3)
    finally:
        await asyncio.to_thread(stack.start, "billing")
    line = await scenario.statement_line_of(platform, cdr["id"], timeout_s=60)
    assert line["cdr_id"] == cdr["id"]  # billed once it came back: the CDR event waited in Kafka
