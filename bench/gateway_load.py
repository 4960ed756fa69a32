"""Load-generator processes of the gateway benchmark (bench/gateway.py). Each runs in its own
process, so that the gateway is the only thing measured in the gateway's process and no
client shares an event loop with the server.

- `light_worker`: many light stations over raw `websockets` connections, speaking OCPP 1.6J
  frames by hand: BootNotification, then Heartbeat at an interval; a share of them also
  StartTransaction once and MeterValues at an interval. They answer nothing the gateway asks
  (it asks nothing in this benchmark). 10,000 `ocpp`-library clients in one process would
  measure the library's schema validation (~3,000 msg/s per loop, ocpp.md 4.6), not the
  gateway.
- `authorize_worker`: a few real `ocpp`-library stations (SimulatedStation16) that send
  Authorize one after another, for the round trip's p50/p99 as a real station sees it.

Both report to the orchestrator through a multiprocessing queue: cumulative counters once a
second (the orchestrator takes rates over its own window from them), and at the end the
round-trip samples taken while the `measure` event was set. The light stations
are in bench/gateway_light.py; this module holds the reports and the Authorize stations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


def raise_nofile_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit: every station is one socket on each side.
    Children inherit it, so raising it before starting a process covers that process too."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


@dataclass
class Report:
    """A load process to the orchestrator: its cumulative counters and errors (once a second),
    or at the end (`final`) its round-trip samples in seconds, taken while `measure` was set
    ("connect": handshake + BootNotification, taken always)."""

    index: int
    counts: dict[str, int]
    errors: dict[str, int]
    connect_span: tuple[float, float] | None = None  # wall clock: first attempt, last boot
    samples: dict[str, list[float]] = field(default_factory=dict)
    final: bool = False


class Reports:
    """The orchestrator's side: the newest report of each process, and the final samples."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.latest: dict[int, Report] = {}
        self.samples: dict[str, list[float]] = {}
        self.finals = 0

    def drain(self) -> None:
        while not self.queue.empty():
            report: Report = self.queue.get()
            self.latest[report.index] = report
            for kind, values in report.samples.items():
                self.samples.setdefault(kind, []).extend(values)
            self.finals += report.final

    def total(self, key: str) -> int:
        return sum(r.counts.get(key, 0) for r in self.latest.values())

    def errors(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for report in self.latest.values():
            out.update(report.errors)
        return out

    def connect_span(self) -> tuple[float, float] | None:
        spans = [r.connect_span for r in self.latest.values() if r.connect_span]
        return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


async def _authorize_loop(
    ocpp_url: str, station_id: str, id_tag: str, pause_s: float, measure: Any, stop: Any
) -> tuple[list[float], Counter[str]]:
    from evroam_testing.station import SimulatedStation16

    latencies: list[float] = []
    errors: Counter[str] = Counter()
    async with SimulatedStation16(ocpp_url, station_id, timeout_s=30) as station:
        if (status := await station.boot()) != "Accepted":
            errors[f"authorize station BootNotification {status}"] += 1
            return latencies, errors
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status = await station.authorize(id_tag)
            except Exception as exc:  # the benchmark counts every failure and goes on
                errors[f"Authorize {type(exc).__name__}"] += 1
                await asyncio.sleep(1)
                continue
            if measure.is_set():
                latencies.append(time.perf_counter() - started)
                if status != "Accepted":
                    errors[f"Authorize answered {status}"] += 1
            await asyncio.sleep(pause_s)
    return latencies, errors


def authorize_worker(
    ocpp_url: str,
    station_ids: tuple[str, ...],
    id_tag: str,
    pause_s: float,
    index: int,
    queue: Any,
    measure: Any,
    stop: Any,
) -> None:
    """Entry point of the process of the `ocpp`-library stations that send Authorize."""
    raise_nofile_limit()
    # An answer after the call timed out is logged by the library; the timeout is counted.
    logging.getLogger("ocpp").setLevel(logging.CRITICAL)

    async def main() -> None:
        results = await asyncio.gather(
            *(_authorize_loop(ocpp_url, s, id_tag, pause_s, measure, stop) for s in station_ids),
            return_exceptions=True,
        )
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        for result in results:
            if isinstance(result, BaseException):
                errors[f"authorize station {type(result).__name__}: {result}"] += 1
            else:
                latencies += result[0]
                errors.update(result[1])
        queue.put(Report(index, {}, dict(errors), samples={"Authorize": latencies}, final=True))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
