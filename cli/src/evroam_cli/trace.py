"""`evroam trace session <id>`: one charging session's timeline across every service, read
from the event log (the services' events topics), so it works where no tracing backend runs.

Every event of a charging session carries its correlation id, which is also the session id.
The topics are read from the beginning up to their end at the time of the call.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from evroam_cli.log import read_to_end
from evroam_contracts import Envelope
from evroam_contracts.envelope import EnvelopeError
from evroam_contracts.topics import SERVICES, events_topic

SUMMARY_FIELDS = (
    "station_id",
    "transaction_id",
    "id_tag",
    "status",
    "reason",
    "kwh",
    "meter_start_wh",
    "meter_stop_wh",
    "tariff_id",
    "contract_id",
    "cdr_id",
    "invoice_id",
    "line_no",
)


@dataclass(frozen=True)
class Step:
    at: datetime
    service: str
    type: str
    stream_id: str
    trace_id: str | None
    summary: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "service": self.service,
            "type": self.type,
            "stream_id": self.stream_id,
            "trace_id": self.trace_id,
            "summary": self.summary,
        }


def _summary(payload: dict[str, Any]) -> dict[str, Any]:
    out = {k: payload[k] for k in SUMMARY_FIELDS if k in payload}
    if isinstance(payload.get("samples"), list):
        out["samples"] = len(payload["samples"])
    if cdr := payload.get("cdr"):
        out.update(cdr_id=cdr.get("id"), total_cost=cdr.get("total_cost"))
    if cost := (payload.get("costs") or {}).get("total_cost"):
        out["total_cost"] = cost
    if amount := payload.get("amount"):
        out["amount"] = amount
    return out


def _step(service: str, env: Envelope) -> Step:
    parent = env.trace.get("traceparent", "")
    return Step(
        env.time,
        service,
        env.type,
        env.stream_id,
        parent.split("-")[1] if parent.count("-") == 3 else None,
        _summary(dict(env.payload)),
    )


async def collect(bootstrap: str, correlation_id: str, progress: TextIO = sys.stderr) -> list[Step]:
    steps = []
    topics = {events_topic(service): service for service in SERVICES}
    async for record in read_to_end(bootstrap, list(topics), progress):
        try:
            env = Envelope.from_record(record.value, record.headers)
        except EnvelopeError:
            continue
        if env.correlation_id == correlation_id:
            steps.append(_step(topics[record.topic], env))
    return sorted(steps, key=lambda s: s.at)


def render_table(steps: list[Step], out: TextIO = sys.stdout) -> None:
    if not steps:
        print("no events found for that session", file=out)
        return
    first, previous = steps[0].at, steps[0].at
    print(f"{'elapsed':>10} {'+delta':>9}  {'service':<13} {'event':<30} details", file=out)
    for s in steps:
        elapsed = (s.at - first).total_seconds()
        delta = (s.at - previous).total_seconds()
        details = ", ".join(f"{k}={v}" for k, v in s.summary.items())
        print(f"{elapsed:>9.3f}s {delta:>+8.3f}s  {s.service:<13} {s.type:<30} {details}", file=out)
        previous = s.at
    services = sorted({s.service for s in steps})
    traces = sorted({s.trace_id for s in steps if s.trace_id})
    print(
        f"\n{len(steps)} events across {len(services)} services ({', '.join(services)});"
        f" trace id(s): {', '.join(traces) or 'none'}",
        file=out,
    )
