"""A real service host, on the real broker and database, scraped as Prometheus would: the
families and labels an operator graphs are there and add up."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from evroam_contracts import Envelope
from evroam_contracts.topics import dlq_topic, events_topic
from evroam_devstack import TopicSpec
from evroam_messaging import Producer
from evroam_messaging.consumer import REPLAYED_OF_HEADER
from evroam_testing.infra import Infra

HOST = Path(__file__).with_name("metrics_host.py")
SAMPLE = Path(__file__).parents[2] / "contracts/samples/station.disconnected.v1.json"
Samples = dict[str, list[tuple[dict[str, str], float]]]


@pytest.fixture
def service(infra: Infra) -> Iterator[tuple[str, str]]:
    """A service of its own (own topics, own database) running in a subprocess; its name and
    its /metrics URL."""
    name = f"metrics{secrets.token_hex(3)}"
    infra.create_topics(
        [TopicSpec(events_topic(name), "events", 2), TopicSpec(dlq_topic(name), "dlq", 1)]
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with infra.migrated_database(name) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
            "HTTP_PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen([sys.executable, str(HOST), name], env=env)
        try:
            yield name, f"http://127.0.0.1:{port}/metrics"
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0  # a clean stop, probe clients closed


def _envelope(stream_id: str) -> Envelope:
    return Envelope(
        uuid.uuid4(),
        "station.disconnected",
        1,
        "evroam.gateway",
        datetime.now(UTC),
        stream_id,
        1,
        json.loads(SAMPLE.read_text()),
    )


def _samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found.setdefault(s.name, []).append((s.labels, s.value))
    return found


async def _scrape_until(url: str, done: Any) -> Samples:
    samples: Samples = {}
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            try:
                r = await http.get(url, timeout=10)
                samples = _samples(r.text) if r.status_code == 200 else {}
            except httpx.HTTPError:
                samples = {}
            if samples and done(samples):
                return samples
            await asyncio.sleep(0.25)
    raise AssertionError(f"the scrape never showed the expected figures: {samples}")


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return next((v for got, v in samples.get(name, []) if labels.items() <= got.items()), None)


async def test_a_scrape_shows_throughput_latency_lag_and_dead_letters_by_group(
    service: tuple[str, str], producer: Producer
) -> None:
    name, url = service
    group = f"evroam.{name}.policies"
    topic = events_topic(name)
    await producer.send_envelopes(topic, [_envelope(f"CS{i}") for i in range(3)])
    await producer.send_envelopes(topic, [_envelope("poison")])

    def settled(s: Samples) -> bool:
        lag = [
            v for labels, v in s.get("evroam_consumer_lag_records", []) if labels["group"] == group
        ]
        return (
            _value(s, "evroam_consumer_events_handled_total", group=group) == 3
            and _value(s, "evroam_consumer_dead_letters_total", group=group) == 1
            and len(lag) == 2
            and not any(lag)
        )

    s = await _scrape_until(url, settled)
    assert _value(s, "evroam_kafka_probe_up") == 1
    assert _value(s, "evroam_dlq_records", topic=dlq_topic(name)) == 1
    assert {labels["partition"] for labels, _ in s["evroam_consumer_lag_records"]} == {"0", "1"}
    by_type = {"group": group, "event_type": "station.disconnected"}
    assert _value(s, "evroam_consumer_handler_duration_seconds_count", **by_type) == 3
    assert _value(s, "evroam_consumer_handler_duration_seconds_bucket", le="+Inf", **by_type) == 3
    assert _value(s, "evroam_outbox_backlog") == 0
    assert _value(s, "evroam_consumer_assigned", group=group) == 1
    # a service of its own, installed as no distribution: the host says so, and still runs
    assert _value(s, "evroam_build_info", service=name, version="0+unknown") == 1

    # `evroam dlq replay` sent the letter back and marked it: nothing waits, the marker is none.
    marker = [(REPLAYED_OF_HEADER, b"0:0"), ("x_dlq_replayed_at", b"now")]
    await producer.send_raw(dlq_topic(name), b"poison", b"", marker)
    await _scrape_until(url, lambda s: _value(s, "evroam_dlq_records", topic=dlq_topic(name)) == 0)
