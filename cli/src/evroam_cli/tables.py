"""Lists as `evroam` commands print them for people: a header row, columns as wide as their
widest cell, then a count. `--json` prints the answers as they are."""

from __future__ import annotations

from collections.abc import Sequence


def print_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    for row in [header, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def table(header: Sequence[str], rows: Sequence[Sequence[str]], noun: str) -> None:
    """The rows, then "(3 tokens)"."""
    print_rows(header, rows)
    print(f"({len(rows)} {noun}{'s' if len(rows) != 1 else ''})")
