"""N real WebSocket stations held by one gateway process (issue 3: 10,000 within 2 GiB RSS).

Starts the devstack (Tansu, embedded PostgreSQL), one gateway process and the authorization
service (which answers Authorize); registers a location, N stations and one token through the
admin APIs; then load-generator processes (bench/gateway_load.py) connect the stations:
BootNotification, Heartbeat at an interval, a share running one transaction with MeterValues at
an interval, and a few `ocpp`-library stations sending Authorize. After a warm-up it measures a
window and reports: connections held (the gateway's `evroam_connected_stations` gauge), gateway
RSS before/after and per station, connect rate, MeterValues/s reaching Kafka (counted on
`evroam.gateway.events` by the `ce_type` header and record time), Heartbeats/s answered,
Authorize p50/p99, the gateway's CPU, and every error either side saw."""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.gateway_load import (
    LoadPlan,
    Reports,
    authorize_worker,
    light_worker,
    raise_nofile_limit,
)
from evroam_cli.client import Platform
from evroam_cli.endpoints import Endpoints
from evroam_contracts.emi3 import ContractId
from evroam_contracts.envelope import H_TYPE
from evroam_contracts.topics import events_topic
from evroam_testing.infra import devstack_infra
from evroam_testing.stack import Stack, running_stack

ID_TAG = "BENCHTAG0001"
METER_TYPE = "station.meter_values_sampled"


@dataclass(frozen=True)
class Options:
    stations: int = 10_000
    duration_s: float = 30.0
    warmup_s: float = 10.0
    # ocpp.md section 6 sizes a fleet as 20 % charging with MeterValues every 60 s; the
    # gateway tells stations 300 s between Heartbeats, 60 s here puts more of them in a window
    heartbeat_s: float = 60.0
    meter_s: float = 60.0
    transacting: float = 0.2
    authorize_stations: int = 4
    authorize_pause_s: float = 0.1
    workers: int = 2
    # More in flight only lengthens the queue: the gateway's handshakes time out after 10 s
    connect_concurrency: int = 50
    connect_retries: int = 2
    register_concurrency: int = 16
    connect_timeout_s: float = 150.0  # keeps a 10,000-station run near 5 minutes
    deflate: bool = True
    gateway_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _station_body(station_id: str, location_id: str) -> dict[str, Any]:
    return {
        "station_id": station_id,
        "location_id": location_id,
        "evses": [
            {
                "evse_uid": f"{station_id}-1",
                "evse_id": f"NL*EVR*E{station_id.replace('-', '')}*1",
                "connectors": [{"connector_id": "1", "ocpp_connector_id": 1}],
            }
        ],
    }


async def _provision(platform: Platform, ids: list[str], concurrency: int) -> dict[str, float]:
    """A location, every station (concurrent POSTs: the API has no batch endpoint) and one
    token; returns once the gateway serves the last station and has the token in its cache."""
    location_id = "LOC-BENCH"
    await platform.register_location(
        {
            "location_id": location_id,
            "address": "Benchstraat 1",
            "city": "Amsterdam",
            "country": "NLD",
            "coordinates": {"latitude": "52.378900", "longitude": "4.900200"},
            "time_zone": "Europe/Amsterdam",
            "country_code": "NL",
            "party_id": "EVR",
        }
    )
    await platform.register_token(
        {
            "country_code": "NL",
            "party_id": "EVR",
            "uid": ID_TAG,
            "type": "RFID",
            "contract_id": str(ContractId.new("NL", "EVR", "BENCH001")),
            "issuer": "evroam bench",
            "whitelist": "ALLOWED",
            "valid": True,
            "last_updated": "2026-11-21T00:00:00Z",
        }
    )
    gate = asyncio.Semaphore(concurrency)
    done = retried = 0
    started = time.perf_counter()

    async def register(station_id: str) -> None:
        nonlocal done, retried
        async with gate:
            for attempt in range(3):
                try:
                    await platform.register_station(_station_body(station_id, location_id))
                    break
                except httpx.TransportError:
                    # A keep-alive connection the server closed as it was reused. Registering
                    # twice appends a second station.registered with the same content: harmless.
                    if attempt == 2:
                        raise
                    retried += 1
        done += 1
        if done % 2000 == 0:
            say(f"registered {done:,}/{len(ids):,} stations")

    await asyncio.gather(*(register(s) for s in ids[:-1]))
    # The last one after all others: once the gateway serves it, its projection (folded in
    # log order) has every station.
    await register(ids[-1])
    posted = time.perf_counter() - started
    await platform.eventually(
        "last station served",
        "gateway",
        lambda: platform.found("gateway", f"/stations/{ids[-1]}"),
        timeout_s=120,
    )
    await platform.eventually(
        "token in the gateway's authorization cache",
        "gateway",
        lambda: platform.found("gateway", f"/authorization-cache/{ID_TAG}"),
    )
    return {"posted_s": posted, "served_s": time.perf_counter() - started, "retried": retried}


class _Gateway:
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


class _Sampler:
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

    def __init__(self, gw: _Gateway, postgres_url: str, database: str) -> None:
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
            "healthz_p50_ms": _pct([s[1] for s in inside], 0.5),
            "healthz_p99_ms": _pct([s[1] for s in inside], 0.99),
            "db_busy": sum(s[2] for s in inside) / n,
            "db_lock_wait": sum(s[3] for s in inside) / n,
            "db_idle_in_tx": sum(s[4] for s in inside) / n,
            "db_sessions": max(s[5] for s in inside),
        }


class _TopicCount:
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


def _pct(values: list[float], q: float) -> float:
    """The q-quantile in ms (nearest rank), NaN when there is nothing to rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else math.nan


@dataclass
class _Load:
    """The load processes, their reports, and the two events that steer them."""

    reports: Reports
    measure: Any
    stop: Any
    processes: list[Any] = field(default_factory=list)

    def finish(self) -> None:
        self.stop.set()
        deadline = time.monotonic() + 30
        while self.reports.finals < len(self.processes) and time.monotonic() < deadline:
            time.sleep(0.2)  # the final reports come through the queue; read it while waiting
            self.reports.drain()
        for p in self.processes:
            p.join(timeout=5)
            if p.is_alive():  # our own child, by its own handle
                p.terminate()


def _start_light(o: Options, stack: Stack, ids: list[str], load: _Load, ctx: Any) -> None:
    # the first share of the ids: the processes take every n-th id, so each gets its share
    transacting = frozenset(ids[: round(len(ids) * o.transacting)])
    for w in range(o.workers):
        plan = LoadPlan(
            ocpp_url=stack.ocpp_url,
            station_ids=tuple(ids[w :: o.workers]),
            transacting=transacting,
            id_tag=ID_TAG,
            heartbeat_s=o.heartbeat_s,
            meter_s=o.meter_s,
            connect_concurrency=max(1, o.connect_concurrency // o.workers),
            connect_retries=o.connect_retries,
            call_timeout_s=30,
            deflate=o.deflate,
            seed=w,
        )
        process = ctx.Process(
            target=light_worker,
            args=(plan, w, load.reports.queue, load.measure, load.stop),
            name=f"bench-stations-{w}",
        )
        process.start()
        load.processes.append(process)


async def _connect_phase(o: Options, gw: _Gateway, load: _Load, n: int) -> dict[str, Any]:
    """Wait until every light station has booted or failed, printing progress."""
    cpu: list[tuple[float, float]] = [(time.time(), gw.cpu_s())]
    started = time.monotonic()
    reports = load.reports
    while time.monotonic() - started < o.connect_timeout_s:
        await asyncio.sleep(2)
        reports.drain()
        cpu.append((time.time(), gw.cpu_s()))
        gauge = await gw.metric("evroam_connected_stations")
        settled, booted = reports.total("settled"), reports.total("booted")
        say(
            f"booted {booted:,}/{n:,}, failed {settled - booted:,}, gateway gauge "
            f"{gauge or 0:,.0f}, RSS {gw.status_kib('VmRSS') / 1024:,.0f} MiB"
        )
        if settled >= n:
            break
    else:
        say(f"WARNING: connect phase cut at {o.connect_timeout_s:.0f} s")
    booted = reports.total("booted")
    first, last = reports.connect_span() or (cpu[0][0], time.time())
    span = max(last - first, 1e-3)
    # CPU over the polls that bracket the connect span (2 s granularity)
    c0 = max((c for c in cpu if c[0] <= first), default=cpu[0])
    c1 = min((c for c in cpu if c[0] >= last), default=cpu[-1])
    return {
        "held_at_cut": await gw.metric("evroam_connected_stations"),
        "connect_span": (first, last),
        "booted": booted,
        "connect_s": span,
        "connect_per_s": booted / span,
        "connect_cpu_pct": 100 * (c1[1] - c0[1]) / max(c1[0] - c0[0], 1e-3),
    }


async def _window(o: Options, gw: _Gateway, load: _Load, topic: _TopicCount) -> dict[str, Any]:
    """The measured window: rates from the processes' counters and the topic, CPU, RSS."""
    reports = load.reports
    reports.drain()
    load.measure.set()
    t0, cpu0, load_start = time.time(), gw.cpu_s(), os.getloadavg()[0]
    keys = ("Heartbeat answered", "MeterValues answered", "transactions started")
    start = {k: reports.total(k) for k in keys}
    say(f"measuring for {o.duration_s:.0f} s")
    await asyncio.sleep(o.duration_s)
    reports.drain()
    t1, cpu1 = time.time(), gw.cpu_s()
    load.measure.clear()
    window = t1 - t0
    figures: dict[str, Any] = {
        "held": await gw.metric("evroam_connected_stations"),
        "backlog": await gw.metric("evroam_outbox_backlog"),
        "rss_after_mib": gw.status_kib("VmRSS") / 1024,
        "rss_peak_mib": gw.status_kib("VmHWM") / 1024,
        "window_span": (t0, t1),
        "window_cpu_pct": 100 * (cpu1 - cpu0) / window,
        # other work on a shared machine shows here; compare runs made on a quiet one
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
        "heartbeat_per_s": (reports.total(keys[0]) - start[keys[0]]) / window,
        "meter_per_s": (reports.total(keys[1]) - start[keys[1]]) / window,
        "transactions": reports.total(keys[2]),
    }
    await topic.stop(drain_s=3)
    figures["kafka_meter_per_s"] = topic.count(METER_TYPE, t0, t1) / window
    figures["kafka_types"] = Counter(k for _, k in topic.records)
    return figures


async def _register(
    o: Options, platform: Platform, gw: _Gateway, sampler: _Sampler, ids: list[str]
) -> dict[str, Any]:
    say(f"registering {o.stations:,} stations, {o.register_concurrency} requests at once")
    cpu0, t0 = gw.cpu_s(), time.time()
    reg = await _provision(platform, ids, o.register_concurrency)
    return {
        "register_per_s": o.stations / reg["posted_s"],
        "register_served_s": reg["served_s"],
        "register_retried": reg["retried"],
        "register_cpu_pct": 100 * (gw.cpu_s() - cpu0) / reg["served_s"],
        "register": sampler.summary(t0, time.time()),
        "rss_before_mib": gw.status_kib("VmRSS") / 1024,
    }


def _start_authorize(o: Options, stack: Stack, ids: list[str], load: _Load, ctx: Any) -> None:
    say(f"{len(ids)} Authorize stations connect; warm-up {o.warmup_s:.0f} s")
    process = ctx.Process(
        target=authorize_worker,
        args=(
            *(stack.ocpp_url, tuple(ids), ID_TAG, o.authorize_pause_s, o.workers),
            *(load.reports.queue, load.measure, load.stop),
        ),
        name="bench-authorize",
    )
    process.start()
    load.processes.append(process)


async def _bench(stack: Stack, o: Options) -> dict[str, Any]:
    endpoints = Endpoints(
        http=stack.http_urls,
        ocpp_url=stack.ocpp_url,
        admin_token=stack.admin_token,
        kafka_bootstrap_servers=stack.infra.kafka_bootstrap_servers,
    )
    light_ids = [f"BENCH-{i:05d}" for i in range(o.stations - o.authorize_stations)]
    auth_ids = [f"BENCH-AUTH-{i}" for i in range(o.authorize_stations)]
    # Idle connections expire before uvicorn's 5 s keep-alive would close them under us.
    limits = httpx.Limits(max_connections=o.register_concurrency + 4, keepalive_expiry=2)
    async with httpx.AsyncClient(timeout=60, limits=limits, trust_env=False) as http:
        gw_pid = stack.service_set.pid("gateway")
        assert gw_pid is not None, "the gateway is not running"
        gw = _Gateway(gw_pid, stack.url("gateway"), http)
        database = urlsplit(stack.database_urls["gateway"]).path.lstrip("/")
        sampler = _Sampler(gw, stack.infra.postgres_url, database)
        sampling = asyncio.create_task(sampler.run())
        figures = await _register(o, Platform(endpoints, http), gw, sampler, auth_ids + light_ids)
        say(f"gateway pid {gw_pid}: RSS {figures['rss_before_mib']:,.0f} MiB before connecting")
        ctx = multiprocessing.get_context("spawn")  # fresh interpreters: nothing inherited
        load = _Load(Reports(ctx.Queue()), ctx.Event(), ctx.Event())
        try:
            say(f"connecting {len(light_ids):,} light stations from {o.workers} processes")
            _start_light(o, stack, light_ids, load, ctx)
            figures |= await _connect_phase(o, gw, load, len(light_ids))
            figures["connect"] = sampler.summary(*figures["connect_span"])
            _start_authorize(o, stack, auth_ids, load, ctx)
            topic = _TopicCount(stack.infra.kafka_bootstrap_servers)
            await topic.start()
            await asyncio.sleep(o.warmup_s)
            figures |= await _window(o, gw, load, topic)
            figures["window"] = sampler.summary(*figures["window_span"])
        finally:
            sampling.cancel()
            await asyncio.to_thread(load.finish)
    return _summarise(figures, load.reports, stack.log_path("gateway"))


def _summarise(figures: dict[str, Any], reports: Reports, gateway_log: Path) -> dict[str, Any]:
    held = figures["held"] or 0
    grown_kib = (figures["rss_after_mib"] - figures["rss_before_mib"]) * 1024
    figures.update(
        kib_per_station=grown_kib / held if held else math.nan,
        errors=reports.errors(),
        dropped=reports.total("dropped"),
        connect_retries=reports.total("connect retries"),
        gateway_log=_log_levels(gateway_log),
    )
    for kind in ("connect", "Heartbeat", "MeterValues", "Authorize", "client loop lag"):
        values = reports.samples.get(kind, [])
        figures[f"{kind}_n"] = len(values)
        figures[f"{kind}_p50_ms"] = _pct(values, 0.5)
        figures[f"{kind}_p99_ms"] = _pct(values, 0.99)
    return figures


def _log_levels(path: Path) -> Counter[str]:
    """Warnings and errors the gateway logged (JSON lines), by message with digits masked."""
    out: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        for level in ("warning", "error", "critical"):
            if f'"level": "{level}"' in line:
                message = line.split('"message": ', 1)[-1][:100]
                out[f"{level}: {re.sub(r'[0-9]+', 'N', message)}"] += 1
    return out


def _rtt(f: dict[str, Any], kind: str) -> str:
    return f"p50 {f[f'{kind}_p50_ms']:,.1f} ms, p99 {f[f'{kind}_p99_ms']:,.1f} ms"


def _db(p: dict[str, float]) -> str:
    return (
        f"p50 {p['healthz_p50_ms']:,.0f} ms, p99 {p['healthz_p99_ms']:,.0f} ms; "
        f"{p['db_busy']:.1f} running a statement, {p['db_lock_wait']:.1f} of them waiting for "
        f"the append lock, {p['db_idle_in_tx']:.1f} idle in a transaction (waiting for the "
        "gateway's next statement)"
        f" ({p['db_sessions']:.0f} sessions at most)"
    )


def _table(o: Options, f: dict[str, Any]) -> None:
    held = f["held"]
    deflate = "offered" if o.deflate else "not offered"
    rows = [
        (
            "stations (light + Authorize); transacting; permessage-deflate",
            f"{o.stations:,} ({o.stations - o.authorize_stations:,} + {o.authorize_stations});"
            f" {o.transacting:.0%}; {deflate}",
        ),
        (
            "registration through the admin API",
            f"{f['register_per_s']:,.0f} stations/s ({o.register_concurrency} requests at once,"
            f" {f['register_retried']} retried); all served after {f['register_served_s']:,.1f}"
            f" s; gateway CPU {f['register_cpu_pct']:.0f} % of a core",
        ),
        (
            "connections held (gateway gauge): window's end (end of the connect phase)",
            f"{held or 0:,.0f} ({f['held_at_cut'] or 0:,.0f})",
        ),
        (
            "connect + BootNotification (light stations)",
            f"{f['booted']:,} in {f['connect_s']:,.1f} s = {f['connect_per_s']:,.0f}/s"
            f" ({o.connect_concurrency} in flight, {f['connect_retries']:,} retries); each "
            f"{_rtt(f, 'connect')}; gateway CPU {f['connect_cpu_pct']:.0f} % of a core",
        ),
        (
            "gateway RSS before / after connecting (peak)",
            f"{f['rss_before_mib']:,.0f} / {f['rss_after_mib']:,.0f} MiB "
            f"({f['rss_peak_mib']:,.0f} MiB)",
        ),
        ("gateway RSS per held station", f"{f['kib_per_station']:,.1f} KiB"),
        (
            f"Heartbeats answered (every {o.heartbeat_s:g} s per station)",
            f"{f['heartbeat_per_s']:,.0f}/s; round trip {_rtt(f, 'Heartbeat')}",
        ),
        (
            f"MeterValues answered ({f['transactions']:,} transactions, every {o.meter_s:g} s)",
            f"{f['meter_per_s']:,.0f}/s; round trip {_rtt(f, 'MeterValues')}",
        ),
        (
            "MeterValues reaching Kafka (`station.meter_values_sampled`)",
            f"{f['kafka_meter_per_s']:,.0f}/s; outbox backlog at the end {f['backlog'] or 0:,.0f}",
        ),
        (
            f"Authorize round trip ({o.authorize_stations} `ocpp` stations, one at a time)",
            f"{_rtt(f, 'Authorize')} ({f['Authorize_n']:,} in the window)",
        ),
        (f"gateway CPU in the {o.duration_s:g} s window", f"{f['window_cpu_pct']:.0f} % of a core"),
        *(
            (f"gateway during {phase}: /healthz answer; DB sessions (mean)", _db(f[phase]))
            for phase in ("register", "connect", "window")
        ),
        ("load processes' own event-loop lag in the window", _rtt(f, "client loop lag")),
        ("connections the gateway dropped", f"{f['dropped']:,}"),
        (
            "machine load average (1 min) at start / end of the window",
            f"{f['load_start']:.1f} / {f['load_end']:.1f} on {os.cpu_count()} cores",
        ),
    ]
    print("| measurement | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    types = ", ".join(f"{k} {n:,}" for k, n in f["kafka_types"].most_common(6))
    print(f"| gateway events read from Kafka, warm-up and window | {types or 'none'} |")
    for what, n in f["errors"].most_common(12):
        print(f"| error, station side: {what} | {n:,} |")
    for what, n in f["gateway_log"].most_common(8):
        print(f"| gateway log {what} | {n:,} |")


def run(o: Options) -> dict[str, Any]:
    """Run the benchmark, print its table (Markdown rows, as the other benchmarks do) and
    return the figures."""
    soft, hard = raise_nofile_limit()  # the services started below inherit it
    say(f"RLIMIT_NOFILE {soft}/{hard}; services' extra environment: {o.gateway_env or 'none'}")
    if o.stations * 1.05 + 200 > soft:
        say(f"WARNING: {o.stations:,} stations need about as many sockets as the limit {soft}")
    with tempfile.TemporaryDirectory(prefix="evroam-bench-gw-") as tmp:
        log_dir = o.log_dir or Path(tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        say(f"logs in {log_dir}; starting the devstack, the gateway and authorization")
        with (
            devstack_infra(log_dir) as infra,
            running_stack(
                infra,
                log_dir=log_dir,
                services=["gateway", "authorization"],
                extra_env=o.gateway_env,
            ) as stack,
        ):
            figures = asyncio.run(_bench(stack, o))
    _table(o, figures)
    return figures


def _env(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.startswith("EVROAM_GATEWAY_"):
        raise argparse.ArgumentTypeError(f"expected EVROAM_GATEWAY_<NAME>=<value>, got {text!r}")
    return key, value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Options()
    a = parser.add_argument
    a("--stations", type=int, default=d.stations, help="stations in all (%(default)s)")
    a("--duration", type=float, default=d.duration_s, help="measured window, s (%(default)s)")
    a("--warmup", type=float, default=d.warmup_s, help="connected to window, s (%(default)s)")
    a("--heartbeat", type=float, default=d.heartbeat_s, help="Heartbeat every s (%(default)s)")
    a("--meter", type=float, default=d.meter_s, help="MeterValues every s (%(default)s)")
    a(
        "--transacting",
        type=float,
        default=d.transacting,
        help="share of the light stations that start a transaction and send MeterValues"
        " (%(default)s)",
    )
    a(
        "--authorize-stations",
        type=int,
        default=d.authorize_stations,
        help="`ocpp`-library stations sending Authorize one after another (%(default)s)",
    )
    a(
        "--authorize-pause",
        type=float,
        default=d.authorize_pause_s,
        help="pause between two Authorize of one such station, s (%(default)s)",
    )
    a("--workers", type=int, default=d.workers, help="light-station processes (%(default)s)")
    a(
        "--connect-concurrency",
        type=int,
        default=d.connect_concurrency,
        help="handshakes + BootNotifications in flight, all processes together (%(default)s)",
    )
    a(
        "--connect-retries",
        type=int,
        default=d.connect_retries,
        help="a station refused or timed out tries again after 5-15 s, this often (%(default)s)",
    )
    a(
        "--register-concurrency",
        type=int,
        default=d.register_concurrency,
        help="registrations in flight on the admin API (%(default)s)",
    )
    a(
        "--connect-timeout",
        type=float,
        default=d.connect_timeout_s,
        help="measure anyway after this long connecting, s (%(default)s)",
    )
    a(
        "--no-deflate",
        action="store_true",
        help="light stations do not offer permessage-deflate (by default they do, as "
        "`websockets` clients and the `ocpp` library's stations do)",
    )
    a(
        "--gateway-env",
        type=_env,
        action="append",
        default=[],
        metavar="EVROAM_GATEWAY_X=V",
        help="extra environment for the gateway process (repeatable)",
    )
    a("--log-dir", type=Path, help="keep the services' logs here (default: a temporary dir)")


def options(args: argparse.Namespace) -> Options:
    return Options(
        stations=args.stations,
        duration_s=args.duration,
        warmup_s=args.warmup,
        heartbeat_s=args.heartbeat,
        meter_s=args.meter,
        transacting=args.transacting,
        authorize_stations=args.authorize_stations,
        authorize_pause_s=args.authorize_pause,
        workers=args.workers,
        connect_concurrency=args.connect_concurrency,
        connect_retries=args.connect_retries,
        register_concurrency=args.register_concurrency,
        connect_timeout_s=args.connect_timeout,
        deflate=not args.no_deflate,
        gateway_env=dict(args.gateway_env),
        log_dir=args.log_dir,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gateway",
        description=__doc__,
        epilog="examples:\n  .venv/bin/python -m bench.gateway --stations 1000\n"
        "  .venv/bin/python -m bench.gateway                  (10,000 stations)\n"
        "  .venv/bin/python -m bench.gateway --stations 1000 --transacting 1 --meter 2"
        "   (MeterValues ceiling)\n\nThe table goes to stdout, progress to stderr.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    run(options(parser.parse_args()))


if __name__ == "__main__":
    main()
