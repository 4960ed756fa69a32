"""Run every benchmark and print a Markdown table row per measurement."""

from __future__ import annotations

import argparse
import asyncio

from bench.eventstore import run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--events", type=int, default=5000, help="events to append (default 5000)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (default 8)")
    args = parser.parse_args()
    asyncio.run(run(args.events, args.writers))


if __name__ == "__main__":
    main()
