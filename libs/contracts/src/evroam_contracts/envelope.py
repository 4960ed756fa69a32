"""The envelope: the Kafka value is the payload JSON; metadata travels in headers with
CloudEvents-style names (ARCHITECTURE section 4)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

H_ID = "ce_id"
H_TYPE = "ce_type"
H_SOURCE = "ce_source"
H_TIME = "ce_time"
H_SPECVERSION = "ce_specversion"
H_VERSION = "evroam_version"
H_STREAM = "evroam_stream"
H_STREAM_VERSION = "evroam_stream_version"
H_CORRELATION = "evroam_correlation_id"
H_CAUSATION = "evroam_causation_id"
TRACE_HEADERS = ("traceparent", "tracestate")


class EnvelopeError(ValueError):
    """A Kafka record whose headers or value do not form a valid envelope."""


@dataclass(frozen=True)
class Envelope:
    """One event or command with its metadata, as it travels between services."""

    event_id: uuid.UUID
    type: str
    version: int
    source: str
    time: datetime
    stream_id: str
    stream_version: int
    payload: Mapping[str, Any]
    correlation_id: str | None = None
    causation_id: str | None = None
    trace: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> bytes:
        return self.stream_id.encode()

    def value(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":"), sort_keys=True).encode()

    def headers(self) -> list[tuple[str, bytes]]:
        pairs = {
            H_ID: str(self.event_id),
            H_TYPE: self.type,
            H_SOURCE: self.source,
            H_TIME: self.time.astimezone(UTC).isoformat(),
            H_SPECVERSION: "1.0",
            H_VERSION: str(self.version),
            H_STREAM: self.stream_id,
            H_STREAM_VERSION: str(self.stream_version),
            **({H_CORRELATION: self.correlation_id} if self.correlation_id else {}),
            **({H_CAUSATION: self.causation_id} if self.causation_id else {}),
            **{k: v for k, v in self.trace.items() if k in TRACE_HEADERS},
            **self.extra,
        }
        return [(k, v.encode()) for k, v in pairs.items()]

    @classmethod
    def from_record(
        cls, value: bytes | None, headers: Sequence[tuple[str, bytes]] | Mapping[str, Any]
    ) -> Envelope:
        """Decode a Kafka record; raise EnvelopeError with the reason when it is not one."""
        h = _header_map(headers)
        try:
            payload = json.loads(value or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise EnvelopeError(f"value is not JSON: {exc}") from exc
        if not isinstance(payload, dict):
            raise EnvelopeError("value is not a JSON object")
        missing = [k for k in (H_ID, H_TYPE, H_VERSION, H_STREAM, H_STREAM_VERSION) if k not in h]
        if missing:
            raise EnvelopeError(f"missing headers: {', '.join(missing)}")
        try:
            return cls(
                event_id=uuid.UUID(h[H_ID]),
                type=h[H_TYPE],
                version=int(h[H_VERSION]),
                source=h.get(H_SOURCE, ""),
                time=datetime.fromisoformat(h[H_TIME]) if H_TIME in h else datetime.now(UTC),
                stream_id=h[H_STREAM],
                stream_version=int(h[H_STREAM_VERSION]),
                payload=payload,
                correlation_id=h.get(H_CORRELATION),
                causation_id=h.get(H_CAUSATION),
                trace={k: h[k] for k in TRACE_HEADERS if k in h},
                extra={k: v for k, v in h.items() if k.startswith("x_")},
            )
        except ValueError as exc:
            raise EnvelopeError(f"bad header value: {exc}") from exc


def _header_map(headers: Sequence[tuple[str, bytes]] | Mapping[str, Any]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for k, v in items:
        out[k] = v.decode() if isinstance(v, bytes | bytearray) else str(v)
    return out
