"""Run every benchmark and print Markdown table rows; copy them to bench/RESULTS.md with the
command. Each is also runnable alone: `python -m bench.eventstore`, `python -m bench.pricing`."""

from __future__ import annotations

import argparse
import asyncio

from bench import eventstore, pricing


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--events", type=int, default=5000, help="events to append (default 5000)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (default 8)")
    parser.add_argument("--sessions", type=int, default=200, help="sessions to price (default 200)")
    args = parser.parse_args()
    print("## event store\n")
    asyncio.run(eventstore.run(args.events, args.writers))
    print("\n## pricing\n")
    pricing.run(args.sessions)


if __name__ == "__main__":
    main()
