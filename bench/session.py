"""Station events folded into charging sessions by the session service, and how soon its query
API shows each one (the issue: events per second folded, event-to-projection latency p50/p99).

Starts the devstack (Tansu, embedded PostgreSQL) and the services (all seven by default);
registers a location, one station per session, a per-kWh tariff assigned to the location and a
token through the admin APIs. Then it publishes the normalized events the gateway makes of a
station's transaction (TransactionStarted, MeterValuesSampled..., TransactionEnded, with an
ACCEPTED authorization) straight onto `evroam.gateway.events`, with the platform's envelope and
key: the gateway itself is not in the measurement (bench.gateway measures it). Sessions run
side by side, their starts staggered, so that starts, MeterValues and ends are mixed as on a
fleet (session_load.staggered).

1. burst: all N x E events as fast as the producer takes them; events/s folded = N x E / (first
   publish -> the last event visible in the query API).
2. paced: fresh sessions at a fraction of the burst's rate (--load), for at most --paced-duration
   seconds: latency under a load the service keeps up with.

Latency is publish -> the first poll of `GET /sessions?date_from=...` whose row shows the event
folded (row exists / kwh includes the reading / COMPLETED): every --poll s while paced, every
--burst-poll s in the burst (latency is seconds there anyway, and polls cost the service too).
Also publish -> the row's last_updated: when the service appended its own event (pre-projection).
Besides: the session service's CPU and RSS (/proc), its consumer metrics, the group's lag."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.gateway_report import say
from bench.session_load import ChargingSession, Publisher, burst, paced, provision
from bench.session_options import Options, add_arguments, options
from bench.session_report import log_levels, table
from bench.session_watch import CpuMeter, Service, Watcher, lag_zero_after, latencies, span
from evroam_cli.client import Platform
from evroam_cli.endpoints import Endpoints
from evroam_messaging import Producer
from evroam_testing.infra import devstack_infra
from evroam_testing.stack import Stack, running_stack


@dataclass
class _Rig:
    """What every phase uses: the publisher, the query API watcher, the service's probes."""

    publisher: Publisher
    watcher: Watcher
    service: Service
    bootstrap: str
    cpu: CpuMeter


async def _phase(
    o: Options, rig: _Rig, label: str, sessions: list[ChargingSession], rate: float | None
) -> dict[str, Any]:
    """Publish `sessions` (at `rate`, or all at once), wait until all are folded, and sum up."""
    publisher, watcher, service = rig.publisher, rig.watcher, rig.service
    watcher.watch(sessions)
    watcher.poll_s = o.burst_poll_s if rate is None else o.poll_s
    total = sum(s.events for s in sessions)
    how = "as fast as possible" if rate is None else f"at {rate:,.1f} events/s"
    say(f"{label}: {len(sessions):,} sessions x {o.events} = {total:,} events, {how}")
    metrics0, cpu0, t0 = await service.consumer(), rig.cpu.read(), time.time()
    load0, rss0 = os.getloadavg()[0], service.rss_mib()
    if rate is None:
        publish_s = await burst(publisher, sessions)
    else:
        publish_s = await paced(publisher, sessions, rate)
    say(f"{label}: published (acked) in {publish_s:,.2f} s")
    complete = await watcher.until_folded(sessions, o.timeout_s, label)
    cpu1, t1, metrics1 = rig.cpu.read(), time.time(), await service.consumer()
    lag_s, lag = await lag_zero_after(rig.bootstrap)
    # first publish -> last event visible; when not all were, what was visible by the timeout
    first, last = span(sessions) if complete else (t0, t1)
    folded_s = last - first
    visible = sum(watcher.folded[s.session_id] for s in sessions)
    handled = metrics1.get("events_handled_total", 0) - metrics0.get("events_handled_total", 0)
    handler_s = metrics1.get("handler_seconds_sum", 0) - metrics0.get("handler_seconds_sum", 0)
    figures: dict[str, Any] = {
        "label": label,
        "sessions": len(sessions),
        "events": total,
        "rate": rate,
        "complete": complete,
        "visible": visible,
        "publish_s": publish_s,
        "folded_s": folded_s,
        "folded_per_s": visible / folded_s,
        "cpu": rig.cpu.shares(cpu0, cpu1),
        "rss_before": rss0,
        "rss_after": service.rss_mib(),
        "handled": handled,
        "handler_ms": 1000 * handler_s / handled if handled else float("nan"),
        "dead": metrics1.get("dead_letters_total", 0) - metrics0.get("dead_letters_total", 0),
        "duplicates": metrics1.get("duplicates_total", 0) - metrics0.get("duplicates_total", 0),
        "lag": lag,
        "lag_s": lag_s,
        "load": (load0, os.getloadavg()[0]),
        "latency": latencies(sessions),
        "by_kind": {k: latencies(sessions, k) for k in ("start", "meter", "end")},
    }
    say(
        f"{label}: {total:,} events folded in {folded_s:,.2f} s = "
        f"{figures['folded_per_s']:,.1f}/s; latency p50 {figures['latency']['p50']:,.0f} ms,"
        f" p99 {figures['latency']['p99']:,.0f} ms; session CPU {figures['cpu']['session']:.0f} %,"
        f" RSS {figures['rss_after']:,.0f} MiB; consumer lag {lag} after {lag_s:.1f} s"
    )
    return figures


def _sessions(stations: list[str], n: int, events: int, first: int) -> list[ChargingSession]:
    return [ChargingSession.new(stations[i % len(stations)], first + i, events) for i in range(n)]


async def _bench(stack: Stack, o: Options) -> dict[str, Any]:
    ocpp = stack.ocpp_url if "gateway" in o.services else ""
    endpoints = Endpoints(
        stack.http_urls, ocpp, stack.admin_token, stack.infra.kafka_bootstrap_servers
    )
    stations = [f"SBENCH-{i:05d}" for i in range(o.sessions)]
    limits = httpx.Limits(max_connections=o.register_concurrency + 4, keepalive_expiry=2)
    async with httpx.AsyncClient(timeout=60, limits=limits, trust_env=False) as http:
        pid = stack.service_set.pid("session")
        assert pid is not None, "the session service is not running"
        service = Service(pid, stack.url("session"), http)
        provision_s = await provision(
            Platform(endpoints, http), stations, list(o.services), o.register_concurrency
        )
        say(f"provisioned in {provision_s:,.1f} s; session service pid {pid}")
        producer = Producer(stack.infra.kafka_bootstrap_servers, "bench-session")
        await producer.start()
        watcher = Watcher(http, stack.url("session"), o.poll_s)
        pids = {n: p for n in o.services if (p := stack.service_set.pid(n)) is not None}
        cpu = CpuMeter(pids, http)
        rig = _Rig(Publisher(producer), watcher, service, stack.infra.kafka_bootstrap_servers, cpu)
        polling = asyncio.create_task(watcher.run())
        try:
            figures: dict[str, Any] = {"rss_start": service.rss_mib(), "provision_s": provision_s}
            warm = _sessions(stations, o.warmup_sessions, o.events, 0)
            if warm:
                await _phase(o, rig, "warm-up", warm, 50.0)
            done = len(warm)
            loaded = _sessions(stations, o.sessions, o.events, done)
            phases = [await _phase(o, rig, "burst", loaded, None)]
            done += o.sessions
            rate = o.rate or o.load * phases[0]["folded_per_s"]
            if rate > 0 and phases[0]["complete"]:  # else its backlog would be measured
                n = max(1, min(o.sessions, int(rate * o.paced_duration_s / o.events)))
                pace = _sessions(stations, n, o.events, done)
                phases.append(await _phase(o, rig, "paced", pace, rate))
            figures |= {
                "phases": phases,
                "rss_end": service.rss_mib(),
                "rss_peak": service.rss_mib("VmHWM"),
                "completed": await service.count(status="COMPLETED"),
                "invalid": await service.count(status="INVALID"),
                "pending": await service.count(status="PENDING"),
                "unexpected": dict(list(watcher.unexpected.items())[:5]),
                "polls": watcher.polls,
                "rows": watcher.rows,
                "poll_errors": watcher.errors,
                "full_pages": watcher.full_pages,
            }
        finally:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            await producer.stop()
    return figures


def run(o: Options) -> dict[str, Any]:
    """Run the benchmark, print its table (Markdown rows) and return the figures."""
    with tempfile.TemporaryDirectory(prefix="evroam-bench-session-") as tmp:
        log_dir = o.log_dir or Path(tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        say(f"logs in {log_dir}; starting the devstack and {', '.join(o.services)}")
        started = time.perf_counter()
        with (
            devstack_infra(log_dir) as infra,
            # a shared 2-core machine may take over a minute to assign every consumer group
            running_stack(infra, log_dir=log_dir, services=o.services, ready_timeout=150) as stack,
        ):
            say(f"stack ready after {time.perf_counter() - started:,.1f} s")
            figures = asyncio.run(_bench(stack, o))
            figures["session_log"] = log_levels(stack.log_path("session"))
    table(o, figures)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.session",
        description=__doc__,
        epilog="examples:\n  .venv/bin/python -m bench.session\n"
        "  .venv/bin/python -m bench.session --sessions 500 --events 20\n"
        "  .venv/bin/python -m bench.session --services gateway,tariff,session --rate 40\n\n"
        "The table goes to stdout, progress to stderr.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    run(options(parser, parser.parse_args()))


if __name__ == "__main__":
    main()
