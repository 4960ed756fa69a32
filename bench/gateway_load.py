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
round-trip samples taken while the `measure` event was set.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

REPORT_EVERY_S = 1.0
OCPP16 = [Subprotocol("ocpp1.6")]


def raise_nofile_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit: every station is one socket on each side.
    Children inherit it, so raising it before starting a process covers that process too."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


@dataclass(frozen=True)
class LoadPlan:
    """What one light worker does; plain data, so that it pickles into a spawned process."""

    ocpp_url: str
    station_ids: tuple[str, ...]
    transacting: frozenset[str]
    id_tag: str
    heartbeat_s: float
    meter_s: float
    connect_concurrency: int
    connect_retries: int
    call_timeout_s: float
    deflate: bool
    seed: int


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


class _CallError(Exception):
    """The gateway answered a CALL with a CALLERROR; the message is its error code."""


class _Link:
    """One station's connection: at most one CALL in flight (OCPP-J 1.6 section 4.1.1)."""

    def __init__(self, ws: ClientConnection, timeout_s: float) -> None:
        self.ws, self.timeout_s, self._ids = ws, timeout_s, itertools.count(1)

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        message_id = str(next(self._ids))
        await self.ws.send(json.dumps([2, message_id, action, payload]))
        async with asyncio.timeout(self.timeout_s):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame[0] == 3 and frame[1] == message_id:
                    return dict(frame[2])
                if frame[0] == 4 and frame[1] == message_id:
                    raise _CallError(str(frame[2]))
                # a CALL from the gateway or a late answer: the benchmark's stations ignore it


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class _LightWorker:
    def __init__(self, plan: LoadPlan, measure: Any, stop: Any) -> None:
        self.plan, self._measure, self._stop = plan, measure, stop
        self.counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.samples: dict[str, list[float]] = {
            kind: [] for kind in ("Heartbeat", "MeterValues", "connect", "client loop lag")
        }
        self.first_attempt: float | None = None
        self.last_boot = 0.0
        self.measuring = False
        self.rng = random.Random(plan.seed)
        self.gate = asyncio.Semaphore(plan.connect_concurrency)

    def error(self, what: str) -> None:
        self.errors[what] += 1

    async def station(self, station_id: str) -> None:
        link = None
        for attempt in range(1 + self.plan.connect_retries):
            if attempt:  # back off outside the gate, as a refused station would
                self.counts["connect retries"] += 1
                await asyncio.sleep(self.rng.uniform(5, 15))
            async with self.gate:  # a bounded number of handshakes + boots in flight: a ramp
                self.first_attempt = self.first_attempt or time.time()
                started = time.perf_counter()
                link = await self._connect(station_id)
            if link is not None:
                self.samples["connect"].append(time.perf_counter() - started)
                self.last_boot = time.time()
                break
        self.counts["settled"] += 1  # booted or given up: its connect phase is over
        if link is None:
            return
        try:
            await self._traffic(link, station_id in self.plan.transacting)
        except ConnectionClosed as exc:
            self.error(f"dropped (close code {exc.rcvd.code if exc.rcvd else 'none'})")
            self.counts["dropped"] += 1
            await link.ws.close()
        # cancelled at the end: the socket closes with the process; a clean close of
        # thousands would only add time after the measurement

    async def _connect(self, station_id: str) -> _Link | None:
        plan = self.plan
        try:
            ws = await connect(
                f"{plan.ocpp_url}/{station_id}",
                subprotocols=OCPP16,
                compression="deflate" if plan.deflate else None,
                # the gateway pings every station; a second keepalive from this side
                # would double the ping traffic without telling us more
                ping_interval=None,
                open_timeout=plan.call_timeout_s,
                close_timeout=1,
                max_size=2**16,
            )
        except InvalidStatus as exc:
            self.error(f"handshake HTTP {exc.response.status_code}")
            return None
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            self.error(f"connect {type(exc).__name__}")
            return None
        link = _Link(ws, plan.call_timeout_s)
        try:
            boot = await link.call(
                "BootNotification",
                {"chargePointVendor": "evroam", "chargePointModel": "bench-light"},
            )
        except (_CallError, TimeoutError, ConnectionClosed) as exc:
            await ws.close()
            self.error(f"BootNotification {type(exc).__name__} {exc}".strip())
            return None
        if boot.get("status") != "Accepted":
            await ws.close()
            self.error(f"BootNotification {boot.get('status')}")
            return None
        self.counts["booted"] += 1
        return link

    async def _traffic(self, link: _Link, transacting: bool) -> None:
        """Heartbeats at the interval from a random phase; transacting stations start one
        transaction soon after boot, then send MeterValues at their own interval."""
        plan, rng = self.plan, self.rng
        now = time.monotonic()
        next_heartbeat = now + rng.uniform(0, plan.heartbeat_s)
        next_meter = now + rng.uniform(0, min(plan.meter_s, 5.0)) if transacting else float("inf")
        transaction_id: int | None = None
        energy_wh = 0
        while True:
            await asyncio.sleep(max(0.0, min(next_heartbeat, next_meter) - time.monotonic()))
            now = time.monotonic()
            if next_meter <= now:
                next_meter += plan.meter_s
                if transaction_id is None:
                    transaction_id = await self._start(link)
                    # the first sample at a random phase, so that a window of any length
                    # sees the steady rate, not the start's wave an interval later
                    next_meter = time.monotonic() + rng.uniform(0, plan.meter_s)
                else:
                    energy_wh += 250
                    await self._timed(link, "MeterValues", _meter_values(transaction_id, energy_wh))
            if next_heartbeat <= now:
                next_heartbeat += plan.heartbeat_s
                await self._timed(link, "Heartbeat", {})

    async def _start(self, link: _Link) -> int | None:
        payload = {
            "connectorId": 1,
            "idTag": self.plan.id_tag,
            "meterStart": 0,
            "timestamp": _now(),
        }
        answer = await self._timed(link, "StartTransaction", payload)
        if answer is None:
            return None  # counted as an error; the next meter tick tries again
        self.counts["transactions started"] += 1
        return int(answer["transactionId"])

    async def _timed(
        self, link: _Link, action: str, payload: dict[str, Any]
    ) -> dict[str, Any] | None:
        started = time.perf_counter()
        self.counts[f"{action} sent"] += 1
        try:
            answer = await link.call(action, payload)
        except _CallError as exc:
            self.error(f"{action} CALLERROR {exc}")
            return None
        except TimeoutError:
            self.error(f"{action} no answer in {self.plan.call_timeout_s:.0f} s")
            return None
        self.counts[f"{action} answered"] += 1
        if self.measuring and action in self.samples:
            self.samples[action].append(time.perf_counter() - started)
        return answer

    def _report(self, index: int, final: bool = False) -> Report:
        span = (self.first_attempt, self.last_boot) if self.first_attempt else None
        return Report(
            index,
            dict(self.counts),
            dict(self.errors),
            span,
            self.samples if final else {},
            final,
        )

    async def report(self, queue: Any, index: int) -> None:
        lag = self.samples["client loop lag"]
        while not self._stop.is_set():
            self.measuring = self._measure.is_set()
            queue.put(self._report(index))
            started = time.perf_counter()
            await asyncio.sleep(REPORT_EVERY_S)
            if self.measuring:  # how late this process's loop wakes: if high, we measure us
                lag.append(time.perf_counter() - started - REPORT_EVERY_S)

    async def run(self, queue: Any, index: int) -> None:
        tasks = [asyncio.create_task(self.station(s)) for s in self.plan.station_ids]
        reporter = asyncio.create_task(self.report(queue, index))
        await reporter  # returns once the orchestrator sets `stop`
        for task in tasks:
            task.cancel()
        queue.put(self._report(index, final=True))


def _meter_values(transaction_id: int, energy_wh: int) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "transactionId": transaction_id,
        "meterValue": [
            {
                "timestamp": _now(),
                "sampledValue": [
                    {
                        "value": str(energy_wh),
                        "measurand": "Energy.Active.Import.Register",
                        "unit": "Wh",
                        "context": "Sample.Periodic",
                    },
                    {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    }


def light_worker(plan: LoadPlan, index: int, queue: Any, measure: Any, stop: Any) -> None:
    """Entry point of a light-station process."""
    raise_nofile_limit()
    worker = _LightWorker(plan, measure, stop)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(worker.run(queue, index))


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
