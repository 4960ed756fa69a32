"""The host's collector: what a Prometheus scrape of a service shows, from its live state."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from evroam_messaging import Consumer
from evroam_messaging.lag import PartitionLag
from evroam_runtime.kafka_probe import KafkaReadings
from evroam_runtime.metrics import ServiceCollector, handler_histogram, observe_into, registry_for

GROUP = "evroam.session.policies"


def scrape(
    collector: ServiceCollector, *more: Collector
) -> dict[str, list[tuple[str, dict[str, str], float]]]:
    text = generate_latest(registry_for(collector, *more)).decode()
    return {
        f.name: [(s.name, s.labels, s.value) for s in f.samples]
        for f in text_string_to_metric_families(text)
    }


def test_consumers_lag_dead_letters_and_service_counters_are_scraped_with_their_labels() -> None:
    consumer = Consumer(GROUP, ["evroam.gateway.events"], {}, "session")
    histogram = handler_histogram()
    observe_into(histogram, consumer)
    consumer.handled, consumer.dead_lettered = 2, 1
    consumer.observe("transaction.started", 0.004)
    consumer.observe("transaction.ended", 0.2)
    readings = KafkaReadings(
        up=True,
        lag=[PartitionLag(GROUP, "evroam.gateway.events", 0, 5, 12)],
        dlq_records={"evroam.session.dlq": 3},
    )
    counts = {("received", "1.6", "CALL", "Heartbeat"): 4.0}
    collector = ServiceCollector(
        [consumer],
        lambda: None,
        {"evroam_connected_stations": ("Stations connected", lambda: 2)},
        {
            "evroam_ocpp_messages": (
                "OCPP frames",
                ("direction", "version", "type", "action"),
                lambda: counts,
            )
        },
        lambda: readings,
    )
    families = scrape(collector, histogram)
    assert ("evroam_consumer_events_handled_total", {"group": GROUP}, 2) in families[
        "evroam_consumer_events_handled"
    ]
    assert ("evroam_consumer_dead_letters_total", {"group": GROUP}, 1) in families[
        "evroam_consumer_dead_letters"
    ]
    lag = {"group": GROUP, "topic": "evroam.gateway.events", "partition": "0"}
    assert families["evroam_consumer_lag_records"] == [("evroam_consumer_lag_records", lag, 7)]
    assert families["evroam_dlq_records"] == [
        ("evroam_dlq_records", {"topic": "evroam.session.dlq"}, 3)
    ]
    assert families["evroam_kafka_probe_up"][0][2] == 1
    counted = {
        (s[0], tuple(sorted(s[1].items())))
        for s in families["evroam_consumer_handler_duration_seconds"]
    }
    assert (
        "evroam_consumer_handler_duration_seconds_count",
        (("event_type", "transaction.ended"), ("group", GROUP)),
    ) in counted
    assert families["evroam_ocpp_messages"] == [
        (
            "evroam_ocpp_messages_total",
            {"direction": "received", "version": "1.6", "type": "CALL", "action": "Heartbeat"},
            4,
        )
    ]
    assert families["evroam_connected_stations"][0][2] == 2


def test_a_broker_that_did_not_answer_shows_as_probe_down_with_no_lag() -> None:
    families = scrape(ServiceCollector([], lambda: None, {}))
    assert families["evroam_kafka_probe_up"][0][2] == 0
    assert families["evroam_consumer_lag_records"] == []


def test_lag_and_dead_letters_tell_dashboards_to_aggregate_replicas_with_max() -> None:
    # Every replica reports the whole group's lag and the whole DLQ: a sum multiplies them.
    text = generate_latest(registry_for(ServiceCollector([], lambda: None, {}))).decode()
    helps = {
        f.name: f.documentation
        for f in text_string_to_metric_families(text)
        if f.name in ("evroam_consumer_lag_records", "evroam_dlq_records")
    }
    assert "max by (group, topic, partition), never sum" in helps["evroam_consumer_lag_records"]
    assert "max by (topic)" in helps["evroam_dlq_records"]


def test_a_scrape_says_which_service_and_version_the_process_runs() -> None:
    collector = ServiceCollector([], lambda: None, {}, build=("session", "1.4.2"))
    labels = {"service": "session", "version": "1.4.2"}
    assert scrape(collector)["evroam_build_info"] == [("evroam_build_info", labels, 1)]
    text = generate_latest(registry_for(collector)).decode()
    assert 'evroam_build_info{service="session",version="1.4.2"} 1.0' in text.splitlines()
