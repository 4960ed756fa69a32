"""OpenTelemetry: a tracer provider per service; OTLP/HTTP export when
OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard variable), none otherwise."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import (
    SERVICE_INSTANCE_ID,
    SERVICE_NAME,
    SERVICE_VERSION,
    OTELResourceDetector,
    Resource,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.util.types import AttributeValue


def service_resource(service: str, instance_id: str, version: str) -> Resource:
    """What every span of this process says it comes from: the service, the version of it that
    is installed, and the replica. The replica is `instance_id` (the settings' one: the pod name
    in k8s) unless OTEL_RESOURCE_ATTRIBUTES names it: the SDK's own default, a random UUID per
    process, would match nothing an SRE sees elsewhere."""
    attributes: dict[str, AttributeValue] = {
        SERVICE_NAME: f"evroam-{service}",
        SERVICE_VERSION: version,
    }
    if SERVICE_INSTANCE_ID not in OTELResourceDetector().detect().attributes:
        attributes[SERVICE_INSTANCE_ID] = instance_id
    # Given attributes win over OTEL_RESOURCE_ATTRIBUTES: the version is what is installed,
    # whatever a manifest says.
    return Resource.create(attributes)


def setup_tracing(service: str, instance_id: str, *, version: str) -> TracerProvider:
    provider = TracerProvider(resource=service_resource(service, instance_id, version))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # Exporter and batch processor read the standard OTEL_* variables (endpoint, headers,
        # OTEL_BSP_SCHEDULE_DELAY, ...).
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider
