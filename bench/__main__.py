"""Run every benchmark and print Markdown table rows; copy them to bench/RESULTS.md with the
command. Each is also runnable alone: `python -m bench.eventstore`, `python -m bench.pricing`,
`python -m bench.cdr`, `python -m bench.authorization`, `python -m bench.gateway`,
`python -m bench.session` (see their --help for every knob)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses

from bench import authorization, cdr, eventstore, gateway, gateway_options, pricing, session
from bench.session_options import Options as SessionOptions


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--events", type=int, default=5000, help="events to append (default 5000)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (default 8)")
    parser.add_argument(
        "--sessions",
        type=int,
        default=200,
        help="sessions to price, and charging sessions in the session benchmark (default 200)",
    )
    parser.add_argument("--requests", type=int, default=2000, help="authorize requests (2000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    defaults = gateway_options.Options()
    parser.add_argument(
        "--stations",
        type=int,
        default=defaults.stations,
        help=f"WebSocket stations on one gateway ({defaults.stations}; 0 skips it)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=defaults.duration_s,
        help=f"the gateway benchmark's measured window, s ({defaults.duration_s:g})",
    )
    parser.add_argument(
        "--session-events",
        type=int,
        default=SessionOptions().events,
        help=f"events per charging session in the session benchmark ({SessionOptions().events};"
        " 0 skips it)",
    )
    args = parser.parse_args()
    print("## event store\n")
    asyncio.run(eventstore.run(args.events, args.writers))
    print("\n## pricing\n")
    pricing.run(args.sessions)
    print("\n## CDR decisions (priced again from their periods, reconciled)\n")
    cdr.run(args.sessions)
    print("\n## authorize round trip\n")
    authorization.run(args.requests, args.concurrency)
    if args.stations:
        print("\n## stations on one gateway\n")
        gateway.run(dataclasses.replace(defaults, stations=args.stations, duration_s=args.duration))
    if args.session_events:
        print("\n## station events folded into sessions\n")
        session.run(SessionOptions(sessions=args.sessions, events=max(2, args.session_events)))


if __name__ == "__main__":
    main()
