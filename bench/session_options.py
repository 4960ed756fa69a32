"""The session benchmark's knobs (bench/session.py): its Options and their command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from evroam_devstack import SERVICES


@dataclass(frozen=True)
class Options:
    sessions: int = 200
    events: int = 10
    load: float = 0.5
    rate: float | None = None
    paced_duration_s: float = 30.0
    warmup_sessions: int = 5
    poll_s: float = 0.05
    burst_poll_s: float = 0.5
    timeout_s: float = 120.0
    services: tuple[str, ...] = SERVICES
    register_concurrency: int = 16
    log_dir: Path | None = None


def _services(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = set(names) - set(SERVICES)
    if unknown or "session" not in names or "tariff" not in names:
        raise argparse.ArgumentTypeError(
            f"a comma list of {', '.join(SERVICES)} with session and tariff; got {text!r}"
        )
    return tuple(n for n in SERVICES if n in names)  # the devstack's start order


# flag, type, the Options field that is its default, help
_KNOBS: tuple[tuple[str, type, str, str], ...] = (
    ("--sessions", int, "sessions", "sessions (and stations) per phase (%(default)s)"),
    ("--events", int, "events", "events per session, >= 2: start, MeterValues, end (%(default)s)"),
    (
        "--load",
        float,
        "load",
        "the paced phase's rate as a share of the burst's folded rate; 0 skips it (%(default)s)",
    ),
    (
        "--paced-duration",
        float,
        "paced_duration_s",
        "the paced phase's length at most, s: fewer sessions at a low rate (%(default)s)",
    ),
    ("--warmup-sessions", int, "warmup_sessions", "sessions before measuring (%(default)s)"),
    ("--poll", float, "poll_s", "query API poll interval while paced, s (%(default)s)"),
    ("--burst-poll", float, "burst_poll_s", "the same in the burst, s (%(default)s)"),
    ("--timeout", float, "timeout_s", "a phase's wait for everything folded, s (%(default)s)"),
    (
        "--register-concurrency",
        int,
        "register_concurrency",
        "station registrations in flight (%(default)s)",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Options()
    a = parser.add_argument
    for flag, kind, name, text in _KNOBS:
        a(flag, type=kind, default=getattr(d, name), help=text)
    a("--rate", type=float, help="the paced phase's rate, events/s (instead of --load)")
    a(
        "--services",
        type=_services,
        default=d.services,
        help="services to run, comma-separated (default: all seven; session and tariff needed)",
    )
    a("--log-dir", type=Path, help="keep the services' logs here (default: a temporary dir)")


def options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Options:
    if args.events < 2 or args.sessions < 1:
        parser.error("--events must be at least 2 and --sessions at least 1")
    return Options(
        sessions=args.sessions,
        events=args.events,
        load=args.load,
        rate=args.rate,
        paced_duration_s=args.paced_duration,
        warmup_sessions=args.warmup_sessions,
        poll_s=args.poll,
        burst_poll_s=args.burst_poll,
        timeout_s=args.timeout,
        services=args.services,
        register_concurrency=args.register_concurrency,
        log_dir=args.log_dir,
    )
