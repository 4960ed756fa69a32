"""`evroam dlq list`: what each consumer could not handle, and why, from the dead-letter topics
(`evroam.<consumer>.dlq`). Read-only; replay comes with the operability issue."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from evroam_cli.log import read_to_end
from evroam_contracts.topics import SERVICES, dlq_topic


@dataclass(frozen=True)
class DeadLetter:
    dlq: str
    offset: int
    consumer: str
    source: str  # topic@partition:offset of the original record
    event_type: str
    reason: str
    at: str


def _letter(topic: str, offset: int, headers: dict[str, str]) -> DeadLetter:
    source = (
        f"{headers.get('x_dlq_topic', '?')}@{headers.get('x_dlq_partition', '?')}:"
        f"{headers.get('x_dlq_offset', '?')}"
    )
    return DeadLetter(
        topic,
        offset,
        headers.get("x_dlq_consumer", "?"),
        source,
        headers.get("ce_type", "?"),
        headers.get("x_dlq_reason", ""),
        headers.get("x_dlq_at", ""),
    )


async def collect(bootstrap: str, services: tuple[str, ...] = SERVICES) -> list[DeadLetter]:
    return [
        _letter(r.topic, r.offset, {k: v.decode(errors="replace") for k, v in r.headers})
        async for r in read_to_end(bootstrap, [dlq_topic(s) for s in services], progress=None)
    ]


def render(letters: list[DeadLetter], out: TextIO = sys.stdout) -> None:
    if not letters:
        print("no dead letters", file=out)
        return
    for d in letters:
        first_line = d.reason.splitlines()[0] if d.reason else ""
        print(
            f"{d.dlq}:{d.offset}  {d.at}  {d.consumer}  {d.event_type}  from {d.source}\n"
            f"    {first_line}",
            file=out,
        )
    print(f"\n{len(letters)} dead letter(s)", file=out)
