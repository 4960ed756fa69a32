"""OpenTelemetry: a tracer provider per service; OTLP/HTTP export when
OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard variable), none otherwise."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def setup_tracing(service: str, instance_id: str) -> TracerProvider:
    resource = Resource.create(
        {"service.name": f"evroam-{service}", "service.instance.id": instance_id}
    )
    provider = TracerProvider(resource=resource)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # Exporter and batch processor read the standard OTEL_* variables (endpoint, headers,
        # OTEL_BSP_SCHEDULE_DELAY, ...).
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider
