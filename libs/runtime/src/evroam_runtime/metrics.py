"""Prometheus metrics of a service, read from the host's live state at scrape time: consumer
throughput, duplicates, dead letters and handler time, partition assignment, consumer lag and
the dead letters waiting for a replay (from the broker), outbox backlog, plus the gauges and
counters a service adds (the gateway's connected stations and OCPP messages, roaming's pushes),
and which version the process runs (`evroam_build_info`).

Names carry their unit (`_seconds`, `_records`, `_total`); rates are Prometheus's job, so
everything that only grows is a counter."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from prometheus_client import Histogram
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from evroam_messaging import Consumer
from evroam_runtime.kafka_probe import KafkaReadings

if TYPE_CHECKING:
    from evroam_eventstore.relay import Relay

# (help, read): a service's own gauge
Gauge = tuple[str, Callable[[], float]]
# (help, label names, read: label values -> count): a service's own counter
Counter = tuple[str, Sequence[str], Callable[[], Mapping[tuple[str, ...], float]]]
Gauges = Mapping[str, Gauge]  # by name
Counters = Mapping[str, Counter]  # by name, without `_total`
# A consumer handler commits a database transaction: from a millisecond to seconds.
HANDLER_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def handler_histogram() -> Histogram:
    """Per group and event type; fed by the consumers (`Consumer.observe`)."""
    return Histogram(
        "evroam_consumer_handler_duration_seconds",
        "Time to handle one event and commit its effect, by consumer group and event type",
        ["group", "event_type"],
        registry=None,
        buckets=HANDLER_BUCKETS,
    )


def observe_into(histogram: Histogram, consumer: Consumer) -> None:
    group = consumer.group
    consumer.observe = lambda event_type, s: histogram.labels(group, event_type).observe(s)


class ServiceCollector(Collector):
    def __init__(
        self,
        consumers: Sequence[Consumer],
        relay: Callable[[], Relay | None],
        gauges: Gauges,
        counters: Counters = {},  # noqa: B006 (read only)
        kafka: Callable[[], KafkaReadings] = KafkaReadings,
        build: tuple[str, str] | None = None,  # (service, version) for evroam_build_info
    ) -> None:
        self._consumers, self._relay, self._gauges = consumers, relay, gauges
        self._counters, self._kafka, self._build = counters, kafka, build

    def collect(self) -> Iterator[Metric]:
        yield from self._build_family()
        yield from self._consumer_families()
        yield from self._kafka_families(self._kafka())
        relay = self._relay()
        if relay is not None:
            yield GaugeMetricFamily(
                "evroam_outbox_backlog",
                "Events appended but not yet published to Kafka",
                value=relay.backlog,
            )
        for name, (doc, read) in self._gauges.items():
            yield GaugeMetricFamily(name, doc, value=read())
        for name, (doc, labels, count) in self._counters.items():
            family = CounterMetricFamily(name, doc, labels=labels)
            for values, n in sorted(count().items()):
                family.add_metric(list(values), n)
            yield family

    def _build_family(self) -> Iterator[Metric]:
        if self._build is None:
            return
        # Info-style: always 1, the labels are the point. Joined on the replica's labels
        # (`* on (pod) group_left(version)`), it splits any graph by version in a rolling deploy.
        info = GaugeMetricFamily(
            "evroam_build_info",
            "Always 1: the service and the version of its distribution this process runs",
            labels=["service", "version"],
        )
        info.add_metric(list(self._build), 1)
        yield info

    def _consumer_families(self) -> Iterator[Metric]:
        labels = ["group"]
        handled = CounterMetricFamily(
            "evroam_consumer_events_handled", "Events whose effect was committed", labels=labels
        )
        duplicates = CounterMetricFamily(
            "evroam_consumer_duplicates", "Deliveries skipped as already processed", labels=labels
        )
        dead = CounterMetricFamily(
            "evroam_consumer_dead_letters",
            "Events this process sent to the dead-letter topic",
            labels=labels,
        )
        # The per-group mean; the histogram by event type is evroam_consumer_handler_duration_*.
        latency = SummaryMetricFamily(
            "evroam_consumer_handler_seconds", "Time to handle and commit one event", labels=labels
        )
        assigned = GaugeMetricFamily(
            "evroam_consumer_assigned", "1 once the group has its partitions", labels=labels
        )
        for c in self._consumers:
            handled.add_metric([c.group], c.handled)
            duplicates.add_metric([c.group], c.duplicates)
            dead.add_metric([c.group], c.dead_lettered)
            latency.add_metric([c.group], count_value=c.handled, sum_value=c.handler_seconds)
            assigned.add_metric([c.group], 1 if c.assigned.is_set() else 0)
        yield from (handled, duplicates, dead, latency, assigned)

    def _kafka_families(self, readings: KafkaReadings) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "evroam_kafka_probe_up",
            "1 when the lag and dead-letter figures below were read from the broker just now",
            value=1 if readings.up else 0,
        )
        # Group-wide on purpose: a partition whose member died still shows its lag, on every
        # replica left. So a sum over replicas multiplies it; max is the figure.
        lag = GaugeMetricFamily(
            "evroam_consumer_lag_records",
            "Records not yet handled: end offset minus the group's committed offset. Every"
            " replica reports the whole group, so aggregate with"
            " max by (group, topic, partition), never sum",
            labels=["group", "topic", "partition"],
        )
        for row in readings.lag:
            lag.add_metric([row.group, row.topic, str(row.partition)], row.behind)
        dlq = GaugeMetricFamily(
            "evroam_dlq_records",
            "Dead letters in this service's dead-letter topic not replayed yet (replay markers"
            " are not counted). Every replica reports the same: aggregate with max by (topic)",
            labels=["topic"],
        )
        for topic, held in readings.dlq_records.items():
            dlq.add_metric([topic], held)
        yield from (lag, dlq)


def registry_for(*collectors: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)
    return registry
