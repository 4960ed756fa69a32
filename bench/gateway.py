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
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.gateway_light import LoadPlan, light_worker
from bench.gateway_load import Reports, authorize_worker, raise_nofile_limit
from bench.gateway_options import Options, add_arguments, options
from bench.gateway_probe import Gateway, Sampler, TopicCount
from bench.gateway_provision import ID_TAG, provision
from bench.gateway_report import say, summarise, table
from evroam_cli.client import Platform
from evroam_cli.endpoints import Endpoints
from evroam_testing.infra import devstack_infra
from evroam_testing.stack import Stack, running_stack

METER_TYPE = "station.meter_values_sampled"


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


async def _connect_phase(o: Options, gw: Gateway, load: _Load, n: int) -> dict[str, Any]:
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


async def _window(o: Options, gw: Gateway, load: _Load, topic: TopicCount) -> dict[str, Any]:
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
    o: Options, platform: Platform, gw: Gateway, sampler: Sampler, ids: list[str]
) -> dict[str, Any]:
    say(f"registering {o.stations:,} stations, {o.register_concurrency} requests at once")
    cpu0, t0 = gw.cpu_s(), time.time()
    reg = await provision(platform, ids, o.register_concurrency)
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
        gw = Gateway(gw_pid, stack.url("gateway"), http)
        database = urlsplit(stack.database_urls["gateway"]).path.lstrip("/")
        sampler = Sampler(gw, stack.infra.postgres_url, database)
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
            topic = TopicCount(stack.infra.kafka_bootstrap_servers)
            await topic.start()
            await asyncio.sleep(o.warmup_s)
            figures |= await _window(o, gw, load, topic)
            figures["window"] = sampler.summary(*figures["window_span"])
        finally:
            sampling.cancel()
            await asyncio.to_thread(load.finish)
    return summarise(figures, load.reports, stack.log_path("gateway"))


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
    table(o, figures)
    return figures


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
