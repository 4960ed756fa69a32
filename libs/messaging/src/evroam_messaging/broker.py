"""The FastStream KafkaBroker every service consumes with: telemetry middleware so that trace
context in the headers continues into the handler's spans."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.trace import TracerProvider


def make_broker(
    bootstrap_servers: str, client_id: str, tracer_provider: TracerProvider | None = None
) -> KafkaBroker:
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=tracer_provider)],
        graceful_timeout=15.0,
        # Through the service's structured logging; per-message "Received/Processed" at DEBUG.
        logger=logging.getLogger("evroam.broker"),
        log_level=logging.DEBUG,
    )
