"""The gateway benchmark's measurements on the gateway's side (bench/gateway.py): its
process's RSS and CPU, its metrics, its database sessions, and its events on Kafka."""

from __future__ import annotations

import asyncio
import math
import os
import time
from pathlib import Path

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.gateway_report import pct
from evroam_contracts.envelope import H_TYPE
from evroam_contracts.topics import events_topic


class Gateway:
    """The gateway process seen from outside: /proc and its metrics endpoint."""

    def __init__(self, pid: int, http_url: str, http: httpx.AsyncClient) -> None:
        self.pid, self.url, self.http = pid, http_url, http

    def status_kib(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        raise LookupError(key)

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def metric(self, name: str) -> float | None:
        try:
            text = (await self.http.get(f"{self.url}/metrics", timeout=10)).text
        except httpx.HTTPError:
            return None
        for line in text.splitlines():
            if line.startswith(f"{name} "):
                return float(line.split()[1])
        return None


class Sampler:
    """Once a second: how long the gateway takes to answer /healthz (a route that does nothing,
    so this is its event loop's lag), and what its database sessions do (pg_stat_activity):
    running a statement, waiting for the event store's append lock (an advisory lock), or
    holding a transaction open between statements."""

    QUERY = (
        "SELECT count(*) FILTER (WHERE state = 'active'),"
        " count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),"
        " count(*) FILTER (WHERE state LIKE 'idle in transaction%%'), count(*)"
        " FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'"
    )

    def __init__(self, gw: Gateway, postgres_url: str, database: str) -> None:
        self.gw, self.postgres_url, self.database = gw, postgres_url, database
        self.samples: list[tuple[float, float, int, int, int, int]] = []

    async def run(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.postgres_url, autocommit=True
        ) as conn:
            while True:
                started = time.perf_counter()
                try:
                    await self.gw.http.get(f"{self.gw.url}/healthz", timeout=30)
                    lag = time.perf_counter() - started
                except httpx.HTTPError:
                    lag = math.inf
                row = await (await conn.execute(self.QUERY, (self.database,))).fetchone()
                busy, lock, idle_tx, total = row or (0, 0, 0, 0)
                self.samples.append((time.time(), lag, busy, lock, idle_tx, total))
                await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))

    def summary(self, t0: float, t1: float) -> dict[str, float]:
        inside = [s for s in self.samples if t0 <= s[0] <= t1] or [(0.0, math.nan, 0, 0, 0, 0)]
        n = len(inside)
        return {
            "healthz_p50_ms": pct([s[1] for s in inside], 0.5),
            "healthz_p99_ms": pct([s[1] for s in inside], 0.99),
            "db_busy": sum(s[2] for s in inside) / n,
            "db_lock_wait": sum(s[3] for s in inside) / n,
            "db_idle_in_tx": sum(s[4] for s in inside) / n,
            "db_sessions": max(s[5] for s in inside),
        }


class TopicCount:
    """Records of the gateway's events topic from now on: (record time in s, ce_type)."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.records: list[tuple[float, str]] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()
        await self.consumer.topics()
        topic = events_topic("gateway")
        tps = [TopicPartition(topic, p) for p in self.consumer.partitions_for_topic(topic) or ()]
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            for records in (await self.consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    kind = next((v.decode() for k, v in r.headers if k == H_TYPE), "?")
                    # The producer's time, i.e. when the relay sent it; our own clock if the
                    # broker gives none.
                    at = r.timestamp / 1000 if r.timestamp and r.timestamp > 0 else time.time()
                    self.records.append((at, kind))

    async def stop(self, drain_s: float) -> None:
        await asyncio.sleep(drain_s)  # what the relay sent within the window, read late
        if self._task is not None:
            self._task.cancel()
        await self.consumer.stop()

    def count(self, kind: str, t0: float, t1: float) -> int:
        return sum(1 for at, k in self.records if k == kind and t0 <= at <= t1)
