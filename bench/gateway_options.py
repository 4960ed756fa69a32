"""The gateway benchmark's knobs (bench/gateway.py): its Options and their command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path


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


def _env(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.startswith("EVROAM_GATEWAY_"):
        raise argparse.ArgumentTypeError(f"expected EVROAM_GATEWAY_<NAME>=<value>, got {text!r}")
    return key, value


# flag, type, the Options field that is its default, help
_KNOBS: tuple[tuple[str, type, str, str], ...] = (
    ("--stations", int, "stations", "stations in all (%(default)s)"),
    ("--duration", float, "duration_s", "measured window, s (%(default)s)"),
    ("--warmup", float, "warmup_s", "connected to window, s (%(default)s)"),
    ("--heartbeat", float, "heartbeat_s", "Heartbeat every s (%(default)s)"),
    ("--meter", float, "meter_s", "MeterValues every s (%(default)s)"),
    (
        "--transacting",
        float,
        "transacting",
        "share of the light stations that start a transaction and send MeterValues (%(default)s)",
    ),
    (
        "--authorize-stations",
        int,
        "authorize_stations",
        "`ocpp`-library stations sending Authorize one after another (%(default)s)",
    ),
    (
        "--authorize-pause",
        float,
        "authorize_pause_s",
        "pause between two Authorize of one such station, s (%(default)s)",
    ),
    ("--workers", int, "workers", "light-station processes (%(default)s)"),
    (
        "--connect-concurrency",
        int,
        "connect_concurrency",
        "handshakes + BootNotifications in flight, all processes together (%(default)s)",
    ),
    (
        "--connect-retries",
        int,
        "connect_retries",
        "a station refused or timed out tries again after 5-15 s, this often (%(default)s)",
    ),
    (
        "--register-concurrency",
        int,
        "register_concurrency",
        "registrations in flight on the admin API (%(default)s)",
    ),
    (
        "--connect-timeout",
        float,
        "connect_timeout_s",
        "measure anyway after this long connecting, s (%(default)s)",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Options()
    a = parser.add_argument
    for flag, kind, name, text in _KNOBS:
        a(flag, type=kind, default=getattr(d, name), help=text)
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
