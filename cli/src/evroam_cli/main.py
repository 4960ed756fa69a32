"""The `evroam` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from evroam_cli.dlq_replay import add_replay_parser as add_dlq_replay_parser
from evroam_cli.endpoints import DEFAULT_FILE, SERVICES, Endpoints, EndpointsNotFoundError
from evroam_cli.locations import add_parser as add_locations_parser
from evroam_cli.partners import add_parser as add_partners_parser
from evroam_cli.reviews import add_parser as add_reviews_parser
from evroam_cli.stations import add_parser as add_stations_parser
from evroam_cli.tokens import add_parser as add_tokens_parser

# They need the admin API's endpoints.
ADMIN_COMMANDS = ("tokens", "locations", "stations", "cdrs", "partners")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evroam",
        description="Operate an evroam platform: trace a charging session, manage tokens,"
        " locations, stations and roaming partners, review held CDRs, run the demo.",
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
    rebuild = sub.add_parser(
        "rebuild", help="rebuild a service's read models from its event log and compare"
    )
    rebuild.add_argument("service", choices=SERVICES, help="the service whose projections to check")
    rebuild.add_argument(
        "--verify",
        action="store_true",
        required=True,
        help="fold the whole log into scratch tables and compare checksums with the live ones"
        " (swapping rebuilt tables in is not offered yet)",
    )
    sub.add_parser("lag", help="how far each consumer group is behind the events it consumes")
    dlq = sub.add_parser("dlq", help="dead-letter topics")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    dlq_list = dlq_sub.add_parser("list", help="every dead letter with its consumer and reason")
    dlq_list.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_dlq_replay_parser(dlq_sub)
    add_tokens_parser(sub)
    add_locations_parser(sub)
    add_stations_parser(sub)
    add_reviews_parser(sub)
    add_partners_parser(sub)
    sub.add_parser(
        "demo",
        help="provision a location, station, tariff and token, play a "
        "charging session with a simulated OCPP 1.6J station, show the results",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    needs_file = args.command in ADMIN_COMMANDS or not args.bootstrap_servers
    try:
        endpoints = Endpoints.load(args.endpoints) if needs_file else None
    except EndpointsNotFoundError as exc:
        print(f"evroam: {exc}", file=sys.stderr)
        return 2
    bootstrap = args.bootstrap_servers or (endpoints.kafka_bootstrap_servers if endpoints else "")
    if args.command == "trace":
        from evroam_cli.trace import collect, render_table

        steps = asyncio.run(collect(bootstrap, args.session_id))
        if args.json:
            print(json.dumps([s.as_json() for s in steps], indent=2))
        else:
            render_table(steps)
        return 0 if steps else 1
    if args.command == "rebuild":
        assert endpoints is not None, "rebuild needs the endpoints file (admin API and token)"
        return asyncio.run(_verify(endpoints, args.service))
    if args.command == "lag":
        return _lag(bootstrap)
    if args.command == "dlq":
        return _dlq(bootstrap, args)
    if args.command == "tokens":
        from evroam_cli.tokens import run

        assert endpoints is not None
        return run(args, endpoints)
    if args.command == "partners":
        from evroam_cli.partners import run as run_partners

        assert endpoints is not None
        return run_partners(args, endpoints)
    if args.command == "cdrs":
        from evroam_cli.reviews import run as run_reviews

        assert endpoints is not None
        return run_reviews(args, endpoints)
    if args.command in ("locations", "stations"):
        from evroam_cli.locations import run as run_registry

        assert endpoints is not None
        return run_registry(args, endpoints)
    from evroam_cli.demo import run_demo

    assert endpoints is not None, "the demo needs the endpoints file"
    return asyncio.run(run_demo(endpoints))


def _lag(bootstrap: str) -> int:
    from evroam_cli.lag import consumer_lag

    lag = asyncio.run(consumer_lag(bootstrap))
    if not lag:
        print("no consumer group has committed offsets yet (nothing consumed so far)")
    width = max((len(g) for g in lag), default=5)
    for group, behind in lag.items():
        state = "no offsets committed yet" if behind is None else f"{behind:>8} event(s) behind"
        print(f"{group:<{width}}  {state}")
    return 0


def _dlq(bootstrap: str, args: argparse.Namespace) -> int:
    import dataclasses

    from aiokafka.errors import KafkaError

    from evroam_cli.dlq import collect, render
    from evroam_cli.dlq_replay import Selection, replay

    if args.dlq_command == "replay":
        selection = Selection(args.group, args.source or ())
        try:
            summary = asyncio.run(
                replay(bootstrap, selection, dry_run=args.dry_run, again=args.again)
            )
        except KafkaError as exc:
            print(f"evroam: the broker at {bootstrap} did not answer: {exc!r}", file=sys.stderr)
            return 2
        return summary.exit_status
    letters = asyncio.run(collect(bootstrap))
    if args.json:
        print(json.dumps([dataclasses.asdict(d) for d in letters], indent=2))
    else:
        render(letters)
    return 0


async def _verify(endpoints: Endpoints, service: str) -> int:
    import httpx

    print(f"rebuilding the projections of evroam-{service} from its log ...", file=sys.stderr)
    async with httpx.AsyncClient(timeout=600) as http:
        r = await http.post(
            f"{endpoints.http[service].rstrip('/')}/admin/projections/verify",
            headers={"Authorization": f"Bearer {endpoints.admin_token}"},
        )
    if r.status_code != 200:
        print(f"evroam: {service} answered HTTP {r.status_code}: {r.text}", file=sys.stderr)
        return 2
    report = r.json()
    for p in report["projections"]:
        verdict = "equal" if p["equal"] else "DIFFERENT"
        print(
            f"{p['projection']:<24} {p['events_replayed']:>7} events up to position "
            f"{p['up_to_position']:<8} {verdict}"
        )
    return 0 if report["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
