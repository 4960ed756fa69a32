"""The `evroam` commands an SRE runs, as a subprocess against the running stack."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_contracts.topics import events_topic
from evroam_testing.stack import Stack

pytestmark = pytest.mark.flow


def evroam(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "evroam_cli.main",
            "--bootstrap-servers",
            stack.infra.kafka_bootstrap_servers,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_command_explains_itself() -> None:
    for args in (
        [],
        ["trace", "session"],
        ["rebuild"],
        ["lag"],
        ["dlq", "list"],
        ["demo"],
        ["cdrs"],
        ["cdrs", "reviews"],
        ["cdrs", "review"],
        ["cdrs", "release"],
        ["cdrs", "reject"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "evroam_cli.main", *args, "--help"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0
        assert "usage: evroam" in done.stdout


async def test_lag_lists_the_platform_consumer_groups_once_they_consumed(
    stack: Stack, platform: Platform, provisioned: tuple[scenario.Scenario, str]
) -> None:
    sc, _ = provisioned
    started_at = datetime(2026, 3, 5, 9, tzinfo=UTC)
    await scenario.play(platform, sc, started_at)
    session = await scenario.session_of(platform, sc, started_at)
    cdr = await scenario.cdr_of(platform, session["id"])
    await scenario.statement_line_of(platform, cdr["id"])
    done = await asyncio.to_thread(evroam, stack, "lag")
    assert done.returncode == 0, done.stderr
    for group in ("evroam.session.policies", "evroam.cdr.policies", "evroam.billing.policies"):
        assert group in done.stdout


async def test_dlq_list_shows_what_could_not_be_handled_and_why(stack: Stack) -> None:
    marker = f"not json {secrets.token_hex(4)}".encode()
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(events_topic("cdr"), marker, b"cdr-sre-test")
    finally:
        await producer.stop()
    found: list[dict[str, str]] = []
    for _ in range(100):  # billing and roaming dead-letter it as soon as they read it
        done = await asyncio.to_thread(evroam, stack, "dlq", "list", "--json")
        assert done.returncode == 0, done.stderr
        source = f"{events_topic('cdr')}@{sent.partition}:{sent.offset}"  # this test's record
        found = [
            d
            for d in json.loads(done.stdout)
            if d["source"] == source and "malformed envelope" in d["reason"]
        ]
        if {d["consumer"] for d in found} >= {"evroam.billing.policies", "evroam.roaming.cdrs"}:
            break
        await asyncio.sleep(0.3)
    assert {d["consumer"] for d in found} >= {"evroam.billing.policies", "evroam.roaming.cdrs"}


def test_without_a_platform_the_commands_say_how_to_start_one() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evroam_cli.main",
            "--endpoints",
            "/nonexistent/endpoints.json",
            "lag",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "make run" in done.stderr


def _scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_every_service_exposes_prometheus_metrics_of_its_work(
    stack: Stack, platform: Platform, provisioned: tuple[scenario.Scenario, str]
) -> None:
    sc, _ = provisioned
    started_at = datetime(2026, 3, 5, 10, tzinfo=UTC)
    await scenario.play(platform, sc, started_at)
    await scenario.session_of(platform, sc, started_at)
    scraped = {}
    for service in stack.services:
        r = await platform.get(service, "/metrics")
        assert r.status_code == 200, service
        scraped[service] = _scrape(r.text)
    session = scraped["session"]
    group = (("group", "evroam.session.policies"),)
    assert session[("evroam_consumer_events_handled_total", group)] >= 5  # start, 3 samples, end
    assert session[("evroam_consumer_assigned", group)] == 1
    assert session[("evroam_consumer_handler_seconds_count", group)] >= 5
    assert ("evroam_outbox_backlog", ()) in session
    assert ("evroam_connected_stations", ()) in scraped["gateway"]
    calls = [
        dict(labels)
        for name, labels in scraped["gateway"]
        if name == "evroam_ocpp_messages_total" and ("message_type", "CALL") in labels
    ]
    assert {"direction": "received", "version": "1.6", "action": "StartTransaction"}.items() <= {
        k: v for c in calls if c["action"] == "StartTransaction" for k, v in c.items()
    }.items()
    lag = [dict(labels) for name, labels in session if name == "evroam_consumer_lag_records"]
    assert {(r["group"], r["topic"]) for r in lag} >= {
        ("evroam.session.policies", "evroam.gateway.events")
    }
    assert ("evroam_kafka_probe_up", ()) in session
