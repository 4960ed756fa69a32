"""One line per startup step, with the time elapsed since the start."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._started = time.monotonic()

    @classmethod
    def silent(cls) -> Progress:
        return cls(quiet=True)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def __call__(self, step: str, detail: str = "") -> None:
        self._write(f"[{self.elapsed:6.2f}s] {step:<14} {detail}".rstrip())

    def warn(self, message: str) -> None:
        self._write(f"[{self.elapsed:6.2f}s] WARNING        {message}")

    def _write(self, line: str) -> None:
        if self._quiet:
            return
        stream = self._stream or sys.stderr
        print(line, file=stream, flush=True)
