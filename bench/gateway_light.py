"""The light stations of the gateway benchmark (bench/gateway.py), one process of many, run
by `light_worker`; the reports they send are bench/gateway_load.py's."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from bench.gateway_load import Report, raise_nofile_limit

REPORT_EVERY_S = 1.0
OCPP16 = [Subprotocol("ocpp1.6")]


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
