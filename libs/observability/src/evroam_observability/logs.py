"""Structured logs: one JSON object per line, with the service and its version, trace id, span
id and correlation id."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

from opentelemetry import trace

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str, version: str) -> None:
        super().__init__()
        self._service, self._version = service, version

    def format(self, record: logging.LogRecord) -> str:
        ctx = trace.get_current_span().get_span_context()
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self._service,
            # Which build wrote it: old and new replicas log side by side in a rolling deploy.
            "version": self._version,
            "logger": record.name,
            "message": record.getMessage(),
            **(
                {"trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}"}
                if ctx.is_valid
                else {}
            ),
            **({"correlation_id": cid} if (cid := correlation_id_var.get()) else {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def setup_logging(service: str, level: str = "INFO", *, version: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service, version))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-message chatter from the libraries hides what matters.
    for noisy in ("faststream", "aiokafka", "websockets", "uvicorn.access", "ocpp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
