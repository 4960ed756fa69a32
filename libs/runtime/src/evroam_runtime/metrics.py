"""Prometheus metrics of a service, read from the host's live state at scrape time: consumer
throughput, duplicates, dead letters and handler time, partition assignment, outbox backlog,
plus any gauge a service adds (the gateway's connected stations)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from evroam_messaging import Consumer

if TYPE_CHECKING:
    from evroam_eventstore.relay import Relay


class ServiceCollector(Collector):
    def __init__(
        self,
        consumers: Sequence[Consumer],
        relay: Callable[[], Relay | None],
        gauges: Mapping[str, tuple[str, Callable[[], float]]],
    ) -> None:
        self._consumers, self._relay, self._gauges = consumers, relay, gauges

    def collect(self) -> Iterator[Metric]:
        labels = ["group"]
        handled = CounterMetricFamily(
            "evroam_consumer_events_handled", "Events whose effect was committed", labels=labels
        )
        duplicates = CounterMetricFamily(
            "evroam_consumer_duplicates", "Deliveries skipped as already processed", labels=labels
        )
        dead = CounterMetricFamily(
            "evroam_consumer_dead_letters", "Events sent to the dead-letter topic", labels=labels
        )
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
        relay = self._relay()
        if relay is not None:
            yield GaugeMetricFamily(
                "evroam_outbox_backlog",
                "Events appended but not yet published to Kafka",
                value=relay.backlog,
            )
        for name, (doc, read) in self._gauges.items():
            yield GaugeMetricFamily(name, doc, value=read())


def registry_for(collector: ServiceCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry
