"""The session benchmark's measurements (bench/session.py), all from outside the session
service: its query API (which events each session's row reflects, and since when), its
consumer metrics, its process in /proc, and the consumer group's lag."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.gateway_probe import Gateway
from bench.gateway_report import pct, say
from bench.session_load import ChargingSession
from evroam_cli.lag import consumer_lag

GROUP = "evroam.session.policies"
# Rows are asked for from the newest change seen minus this. The projector folds the log in
# order and the consumer appends one event at a time, so rows become visible in last_updated
# order; the overlap only guards against a clock step. Each poll renders the rows changed
# within it again, so it is kept short: the service pays for every row it renders.
OVERLAP = timedelta(milliseconds=200)
PAGE = 1000


class Watcher:
    """Polls `GET /sessions?date_from=<cursor>` (rows whose last_updated is at or after the
    cursor: the projection's change feed, one request per poll however many sessions are
    watched) and records, for every published event, the first poll that shows it folded:
    the row exists (start), its kwh includes the reading (meter), it is COMPLETED (end).
    A row reflects its events in order, so one poll may settle several events of a session;
    each keeps its own publish time. The row's last_updated is when the session service
    appended its own event, so for the newest event a poll settles, publish -> last_updated
    is the part before the projection."""

    def __init__(self, http: httpx.AsyncClient, url: str, poll_s: float) -> None:
        self.http, self.url, self.poll_s = http, url, poll_s
        self.sessions: dict[str, ChargingSession] = {}
        self.folded: dict[str, int] = {}
        self.visible_events = 0
        self.polls = self.full_pages = self.errors = self.rows = 0
        self.unexpected: dict[str, str] = {}  # session -> status other than ACTIVE/COMPLETED
        self._cursor = datetime.now(UTC) - OVERLAP

    def watch(self, sessions: Iterable[ChargingSession]) -> None:
        for s in sessions:
            self.sessions[s.session_id] = s
            self.folded[s.session_id] = 0

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            await self.poll()
            await asyncio.sleep(max(0.0, self.poll_s - (time.perf_counter() - started)))

    async def poll(self) -> None:
        params = {"date_from": self._cursor.isoformat(), "limit": str(PAGE)}
        try:
            r = await self.http.get(f"{self.url}/sessions", params=params, timeout=30)
        except httpx.HTTPError:
            self.errors += 1
            return
        seen = time.time()
        if r.status_code != 200:
            self.errors += 1
            return
        rows: list[dict[str, Any]] = json.loads(r.text, parse_float=Decimal)
        self.polls += 1
        self.rows += len(rows)
        self.full_pages += len(rows) >= PAGE
        newest = self._cursor + OVERLAP
        for row in rows:
            updated = datetime.fromisoformat(row["last_updated"])
            newest = max(newest, updated)
            self._settle(row, updated.timestamp(), seen)
        self._cursor = newest - OVERLAP

    def _settle(self, row: dict[str, Any], updated: float, seen: float) -> None:
        s = self.sessions.get(row["id"])
        if s is None:
            return
        status = row["status"]
        if status not in ("ACTIVE", "COMPLETED"):
            self.unexpected[s.session_id] = f"{status}: {row.get('invalid_reason')}"
        n = s.folded_by(status, Decimal(row["kwh"]))
        before = self.folded[s.session_id]
        if n <= before:
            return
        for j in range(before, n):
            s.visible[j] = seen
        s.recorded[n - 1] = updated  # exact for the newest event this row reflects
        self.folded[s.session_id] = n
        self.visible_events += n - before

    async def until_folded(
        self, sessions: list[ChargingSession], timeout_s: float, label: str
    ) -> bool:
        """Wait until every event of `sessions` is visible, printing progress; False on
        timeout."""
        total = sum(s.events for s in sessions)
        deadline = time.monotonic() + timeout_s
        last_say = 0.0
        while time.monotonic() < deadline:
            done = sum(self.folded[s.session_id] for s in sessions)
            if done >= total:
                return True
            if time.monotonic() - last_say >= 2:
                last_say = time.monotonic()
                completed = sum(self.folded[s.session_id] == s.events for s in sessions)
                say(
                    f"{label}: {done:,}/{total:,} events folded and visible, "
                    f"{completed:,}/{len(sessions):,} sessions COMPLETED"
                )
            await asyncio.sleep(0.1)
        say(f"WARNING: {label}: not every event was folded within {timeout_s:.0f} s")
        return False


def latencies(sessions: list[ChargingSession], kind: str | None = None) -> dict[str, float]:
    """publish -> visible (every event) and publish -> appended in the session log (the
    newest event of a poll), ms; p50/p99 and how many."""
    visible, logged = [], []
    for s in sessions:
        for j in range(s.events):
            if kind is not None and s.kind(j) != kind:
                continue
            if not math.isnan(s.visible[j]):
                visible.append(s.visible[j] - s.published[j])
            if not math.isnan(s.recorded[j]):
                logged.append(s.recorded[j] - s.published[j])
    return {
        "n": len(visible),
        "p50": pct(visible, 0.5),
        "p99": pct(visible, 0.99),
        "max": max(visible, default=math.nan) * 1000,
        "log_n": len(logged),
        "log_p50": pct(logged, 0.5),
        "log_p99": pct(logged, 0.99),
    }


def span(sessions: list[ChargingSession]) -> tuple[float, float]:
    """First publish, last event visible (wall clock)."""
    first = min(s.published[0] for s in sessions)
    last = max(max(s.visible) for s in sessions)
    return first, last


class Service:
    """The session service's process (/proc, as the gateway benchmark reads it) and its
    consumer metrics."""

    def __init__(self, pid: int, url: str, http: httpx.AsyncClient) -> None:
        self.proc = Gateway(pid, url, http)
        self.url, self.http = url, http

    def rss_mib(self, key: str = "VmRSS") -> float:
        return self.proc.status_kib(key) / 1024

    async def consumer(self) -> dict[str, float]:
        """The policy consumer's counters: handled, duplicates, dead letters, handler time."""
        text = (await self.http.get(f"{self.url}/metrics", timeout=10)).text
        out: dict[str, float] = {}
        for line in text.splitlines():
            name, _, rest = line.partition(f'{{group="{GROUP}"}} ')
            if rest and not line.startswith("#"):
                out[name.removeprefix("evroam_consumer_")] = float(rest)
        return out

    async def count(self, **filters: str) -> int:
        r = await self.http.get(f"{self.url}/sessions", params={**filters, "limit": "1"})
        return int(r.headers.get("X-Total-Count", 0))


class CpuMeter:
    """CPU time of the stack's service processes (/proc/<pid>/stat) and of the whole machine
    (/proc/stat: all but idle and iowait), to tell the session service's share apart from its
    neighbours' on a shared machine."""

    def __init__(self, pids: dict[str, int], http: httpx.AsyncClient) -> None:
        self.procs = {name: Gateway(pid, "", http) for name, pid in pids.items()}

    def read(self) -> tuple[float, dict[str, float]]:
        seconds: dict[str, float] = {}
        for name, proc in self.procs.items():
            with contextlib.suppress(OSError):  # a service that exited
                seconds[name] = proc.cpu_s()
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        busy = sum(fields[:8]) - fields[3] - fields[4]  # user nice system (idle iowait) irq ...
        seconds["machine"] = busy / os.sysconf("SC_CLK_TCK")
        return time.monotonic(), seconds

    @staticmethod
    def shares(
        before: tuple[float, dict[str, float]], after: tuple[float, dict[str, float]]
    ) -> dict[str, float]:
        """% of one core each used between two readings."""
        wall = max(after[0] - before[0], 1e-3)
        return {k: 100 * (v - before[1].get(k, v)) / wall for k, v in after[1].items()}


async def lag_zero_after(bootstrap: str, timeout_s: float = 30) -> tuple[float, int | None]:
    """Seconds until the session service's consumer group has committed every offset, and
    its lag then (None: it committed nothing)."""
    started = time.perf_counter()
    lag: int | None = None
    while time.perf_counter() - started < timeout_s:
        lag = (await consumer_lag(bootstrap)).get(GROUP)
        if lag == 0:
            break
        await asyncio.sleep(0.3)
    return time.perf_counter() - started, lag
