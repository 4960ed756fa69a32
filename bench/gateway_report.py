"""What the gateway benchmark (bench/gateway.py) tells: progress on stderr, and the figures
summed up and printed as Markdown table rows on stdout."""

from __future__ import annotations

import math
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.gateway_load import Reports
from bench.gateway_options import Options


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    """The q-quantile in ms (nearest rank), NaN when there is nothing to rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else math.nan


def summarise(figures: dict[str, Any], reports: Reports, gateway_log: Path) -> dict[str, Any]:
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
        figures[f"{kind}_p50_ms"] = pct(values, 0.5)
        figures[f"{kind}_p99_ms"] = pct(values, 0.99)
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


def table(o: Options, f: dict[str, Any]) -> None:
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
