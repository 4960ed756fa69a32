"""The `evroam` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from evroam_cli.endpoints import DEFAULT_FILE, Endpoints, EndpointsNotFoundError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evroam",
        description="Operate an evroam platform: trace a charging session, run the demo.",
    )
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=DEFAULT_FILE,
        help=f"endpoints file written by `make run` (default {DEFAULT_FILE})",
    )
    parser.add_argument("--bootstrap-servers", help="Kafka bootstrap servers (overrides the file)")
    sub = parser.add_subparsers(dest="command", required=True)
    trace = sub.add_parser("trace", help="show the timeline of one charging session")
    trace_sub = trace.add_subparsers(dest="what", required=True)
    session = trace_sub.add_parser(
        "session", help="every event of one session, across all services, from the event log"
    )
    session.add_argument("session_id", help="the session id (it is also the correlation id)")
    session.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sub.add_parser(
        "demo",
        help="provision a location, station, tariff and token, play a "
        "charging session with a simulated OCPP 1.6J station, show the results",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        endpoints = Endpoints.load(args.endpoints) if not args.bootstrap_servers else None
    except EndpointsNotFoundError as exc:
        print(f"evroam: {exc}", file=sys.stderr)
        return 2
    if args.command == "trace":
        from evroam_cli.trace import collect, render_table

        bootstrap = args.bootstrap_servers or (
            endpoints.kafka_bootstrap_servers if endpoints else ""
        )
        steps = asyncio.run(collect(bootstrap, args.session_id))
        if args.json:
            print(json.dumps([s.as_json() for s in steps], indent=2))
        else:
            render_table(steps)
        return 0 if steps else 1
    from evroam_cli.demo import run_demo

    assert endpoints is not None, "the demo needs the endpoints file"
    return asyncio.run(run_demo(endpoints))


if __name__ == "__main__":
    sys.exit(main())
