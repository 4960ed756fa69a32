"""What the session benchmark (bench/session.py) prints on stdout: Markdown table rows, one
column per phase, as the other benchmarks print theirs."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from bench.session_options import Options


def log_levels(path: Path) -> Counter[str]:
    """Warnings and errors the service logged (JSON lines), by message with digits masked."""
    out: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        for level in ("warning", "error", "critical"):
            if f'"level": "{level}"' in line:
                message = line.split('"message": ', 1)[-1][:100]
                out[f"{level}: {re.sub(r'[0-9a-f]{8}-[0-9a-f-]{27}|[0-9]+', 'N', message)}"] += 1
    return out


def _ms(lat: dict[str, float], prefix: str = "") -> str:
    return f"p50 {lat[prefix + 'p50']:,.0f} ms, p99 {lat[prefix + 'p99']:,.0f} ms"


def _rows(o: Options, p: dict[str, Any]) -> list[tuple[str, str]]:
    lat, kinds = p["latency"], p["by_kind"]
    offered = "as fast as the producer takes them" if p["rate"] is None else f"{p['rate']:,.1f}/s"
    done = "" if p["complete"] else f" (NOT all folded: {p['visible']:,} visible at the timeout)"
    return [
        (
            "sessions x events (start, MeterValues, end); offered",
            f"{p['sessions']:,} x {o.events} = {p['events']:,}; {offered}",
        ),
        ("published, acked by the broker after", f"{p['publish_s']:,.2f} s"),
        (
            "**station events folded** (first publish -> last visible in the query API)",
            f"**{p['folded_per_s']:,.1f} events/s** ({p['events']:,} in {p['folded_s']:,.2f} s;"
            f" {p['sessions'] / p['folded_s']:,.1f} sessions/s){done}",
        ),
        (
            f"**event -> projection latency**, publish -> query API shows it ({lat['n']:,} events)",
            f"**{_ms(lat)}**, max {lat['max']:,.0f} ms",
        ),
        (
            "  by event: start / MeterValues / end, p50 (p99)",
            " / ".join(
                f"{kinds[k]['p50']:,.0f} ({kinds[k]['p99']:,.0f}) ms"
                for k in ("start", "meter", "end")
            ),
        ),
        (
            f"  of it: publish -> session event appended (row's last_updated; {lat['log_n']:,})",
            _ms(lat, "log_"),
        ),
        (
            "consumer: events handled; mean handle + commit",
            f"{p['handled']:,.0f}; {p['handler_ms']:,.1f} ms (= {1000 / p['handler_ms']:,.0f}/s"
            " one at a time)",
        ),
        ("dead letters; duplicates skipped", f"{p['dead']:,.0f}; {p['duplicates']:,.0f}"),
        (
            "consumer group lag once all visible (time to reach it)",
            f"{p['lag']} ({p['lag_s']:,.1f} s)",
        ),
        ("**session service CPU** in the phase", f"**{p['cpu']['session']:.0f} % of a core**"),
        (
            "other services' CPU, % of a core; the whole machine's (of "
            f"{100 * (os.cpu_count() or 1)})",
            ", ".join(
                f"{k} {v:.0f}" for k, v in p["cpu"].items() if k not in ("session", "machine")
            )
            + f"; machine {p['cpu']['machine']:.0f}",
        ),
        (
            "session service RSS before / after",
            f"{p['rss_before']:,.0f} / {p['rss_after']:,.0f} MiB",
        ),
        (
            "machine load average (1 min) at start / end",
            f"{p['load'][0]:.1f} / {p['load'][1]:.1f} on {os.cpu_count()} cores",
        ),
    ]


def table(o: Options, f: dict[str, Any]) -> None:
    phases = f["phases"]
    print("| measurement | " + " | ".join(p["label"] for p in phases) + " |")
    print("| --- |" + " --- |" * len(phases))
    columns = [_rows(o, p) for p in phases]
    for i, (name, _) in enumerate(columns[0]):
        print(f"| {name} | " + " | ".join(c[i][1] for c in columns) + " |")

    def whole(name: str, value: str) -> None:
        print(f"| {name} | {value} |" + " |" * (len(phases) - 1))

    whole("services running", ", ".join(o.services))
    whole("provisioning (location, stations, tariff, token)", f"{f['provision_s']:,.1f} s")
    whole(
        "session service RSS: start / end / peak (VmHWM)",
        f"{f['rss_start']:,.0f} / {f['rss_end']:,.0f} / {f['rss_peak']:,.0f} MiB",
    )
    whole(
        "sessions in the query API (X-Total-Count): COMPLETED / INVALID / PENDING",
        f"{f['completed']:,} / {f['invalid']:,} / {f['pending']:,} (warm-up included)",
    )
    whole(
        f"query API polls (every {o.burst_poll_s:g} s in the burst, {o.poll_s:g} s else; rows"
        " each, mean); failed; pages full",
        f"{f['polls']:,} ({f['rows'] / max(f['polls'], 1):,.1f}); {f['poll_errors']:,};"
        f" {f['full_pages']:,}",
    )
    for sid, what in f["unexpected"].items():
        whole(f"unexpected row {sid}", what)
    for what, count in f["session_log"].most_common(8):
        whole(f"session log {what}", f"{count:,}")
