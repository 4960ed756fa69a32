"""`evroam dlq replay`: send dead letters back to the topic they came from, for the consumer
group that failed them only.

The copy is the original record (topic, key, value, headers) as the DLQ kept it, minus the
headers the DLQ added, plus `x_replay_group` (the failed group), `x_replay_of` (the letter)
and `x_replay_at`. Same key, so the same partition as the original. Every other group
reading that topic passes a record with another group's `x_replay_group` by (evroam_messaging
`meant_for`), so a replay neither wakes them nor dead-letters a malformed record a second
time; and the failed group is idempotent (processed-event rows), so a letter whose event it
handled meanwhile changes nothing. There is no per-group retry topic: the catalogue would
need one per group, and the source topic with a header reaches the group as well.

After each copy is acknowledged, a marker goes to the DLQ (see evroam_cli.dlq), so a second
replay of the same letter is refused unless --again. A crash between the two leaves a letter
replayed but unmarked: replaying it again is harmless, for the reason above."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from evroam_cli.dlq import REPLAYED_AT, StoredLetter, read_letters
from evroam_messaging import Producer
from evroam_messaging.consumer import REPLAY_GROUP_HEADER, REPLAYED_OF_HEADER

PROGRESS_EVERY = 50
EPILOG = """\
examples:
  evroam dlq replay --group evroam.billing.policies --dry-run
  evroam dlq replay --group evroam.billing.policies
  evroam dlq replay --source evroam.cdr.events@0:1234
  evroam dlq replay --all --again

Each dead letter goes back to its source topic for the failed group only; the other groups
reading that topic skip it, and the failed group skips an event it has handled meanwhile.
A dead letter replayed before is left alone unless --again (`evroam dlq list` shows when).

exit status:
  0  every selected dead letter was replayed (or, with --dry-run, would be)
  1  nothing matched, or some were refused as replayed before (see the summary)
  2  bad arguments, or the broker could not be reached
"""


def add_replay_parser(dlq_sub: Any) -> None:
    replay = dlq_sub.add_parser(
        "replay",
        help="send dead letters back to their source topic, for the group that failed them",
        description="Re-publish dead letters to the topic they came from, addressed to the"
        " consumer group that failed them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--group", help="every dead letter of this consumer group")
    which.add_argument(
        "--source",
        action="append",
        metavar="TOPIC@PARTITION:OFFSET",
        help="the dead letter(s) of this original record, as `dlq list` shows it (repeatable)",
    )
    which.add_argument("--all", action="store_true", help="every dead letter")
    replay.add_argument("--dry-run", action="store_true", help="say what would be replayed")
    replay.add_argument("--again", action="store_true", help="also replay ones replayed before")


@dataclass(frozen=True)
class Selection:
    group: str | None = None
    sources: Sequence[str] = ()  # empty with no group: all

    def __contains__(self, stored: StoredLetter) -> bool:
        letter = stored.letter
        if self.group is not None:
            return letter.consumer == self.group
        return not self.sources or letter.source in self.sources


@dataclass
class Summary:
    selected: int = 0
    replayed: int = 0
    refused: int = 0  # replayed before, and no --again

    @property
    def exit_status(self) -> int:
        return 0 if self.selected and not self.refused else 1


def replay_copy(stored: StoredLetter, at: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The source topic and the headers of the copy a replay publishes."""
    letter = stored.letter
    headers = [(k, v) for k, v in stored.headers if not k.startswith(("x_dlq_", "x_replay_"))]
    headers += [
        (REPLAY_GROUP_HEADER, letter.consumer.encode()),
        ("x_replay_of", f"{letter.dlq}@{letter.partition}:{letter.offset}".encode()),
        ("x_replay_at", at.encode()),
    ]
    return letter.source_topic, headers


async def replay(
    bootstrap: str,
    selection: Selection,
    *,
    dry_run: bool = False,
    again: bool = False,
    out: TextIO | None = None,
    progress: TextIO | None = None,
) -> Summary:
    out, progress = out or sys.stdout, progress or sys.stderr  # as they are now, not at import
    chosen = [s for s in await read_letters(bootstrap, progress=progress) if s in selection]
    summary = Summary(selected=len(chosen))
    todo = [s for s in chosen if again or not s.letter.replayed_at]
    summary.refused = len(chosen) - len(todo)
    producer = None if dry_run or not todo else Producer(bootstrap, "evroam-cli-dlq-replay")
    if producer is not None:
        await producer.start(wait_s=5)
    try:
        for n, stored in enumerate(todo, 1):
            await _one(producer, stored, out)
            summary.replayed += 0 if dry_run else 1
            if n % PROGRESS_EVERY == 0 or (n == len(todo) and n > PROGRESS_EVERY):
                print(f"replayed {n}/{len(todo)}", file=progress)
    finally:
        if producer is not None:
            await producer.stop()
    _summarise(summary, len(todo), dry_run, out)
    return summary


async def _one(producer: Producer | None, stored: StoredLetter, out: TextIO) -> None:
    letter = stored.letter
    at = datetime.now(UTC).isoformat()
    topic, headers = replay_copy(stored, at)
    what = f"{letter.dlq}@{letter.partition}:{letter.offset} ({letter.event_type})"
    if producer is None:
        print(f"would replay {what} to {topic} for {letter.consumer}", file=out)
        return
    await producer.send_raw(topic, stored.key, stored.value, headers)
    marker = [
        (REPLAYED_OF_HEADER, f"{letter.partition}:{letter.offset}".encode()),
        (REPLAYED_AT, at.encode()),
        ("x_dlq_replayed_to", topic.encode()),
    ]
    await producer.send_raw(letter.dlq, stored.key, b"", marker)
    print(f"replayed {what} to {topic} for {letter.consumer}", file=out)


def _summarise(summary: Summary, todo: int, dry_run: bool, out: TextIO) -> None:
    if not summary.selected:
        print("no dead letter matches", file=out)
        return
    done = f"would replay {todo}" if dry_run else f"replayed {summary.replayed}"
    line = f"{done} of {summary.selected} selected dead letter(s)"
    if summary.refused:
        line += f"; {summary.refused} replayed before were left alone (--again to replay them)"
    print(line, file=out)
