"""Child processes the devstack owns: each in its own session, logged to a file, stopped in order.

Children run in their own session so that a Ctrl-C in the terminal reaches only the devstack,
which then stops them in the right order (services, broker, database). On Linux each child also
asks the kernel for a signal when the devstack dies (PR_SET_PDEATHSIG), so a killed devstack or
test run leaves no broker, database or service behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class RunAs:
    """The system user a child runs as (PostgreSQL refuses to run as root)."""

    uid: int
    gid: int


class ChildProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        run_as: RunAs | None = None,
        stop_signal: int = signal.SIGTERM,
        death_signal: int = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.run_as = run_as
        self.stop_signal = stop_signal
        self.death_signal = death_signal
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=parent_death_hook(self.death_signal),  # noqa: PLW1509
                user=self.run_as.uid if self.run_as else None,
                group=self.run_as.gid if self.run_as else None,
                extra_groups=[] if self.run_as else None,
            )

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def send(self, sig: int) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if still running after `timeout` seconds."""
        if self._popen is None:
            return None
        try:
            return self._popen.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGKILL the child's whole process group (its own helpers included)."""
        if self._popen is None or self._popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._popen.pid, signal.SIGKILL)
        self._popen.wait(timeout=10)

    def stop(self, grace: float) -> int | None:
        stop_all([self], grace)
        return self.returncode

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)


def stop_all(children: Iterable[ChildProcess], grace: float) -> None:
    """Ask every child to stop at once, then SIGKILL whoever is still there after `grace` s."""
    running = [child for child in children if child.running]
    for child in running:
        child.send(child.stop_signal)
    deadline = time.monotonic() + grace
    for child in running:
        child.wait(deadline - time.monotonic())
    for child in running:
        child.kill()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(size - _TAIL_BYTES, 0))
            data = log.read()
    except FileNotFoundError:
        return f"(no log at {path})"
    text = data.decode("utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def parent_death_hook(sig: int) -> Callable[[], None] | None:
    """A preexec_fn that makes the kernel send `sig` to the child when we die (Linux only).

    The kernel ties this to the thread that forks, so it is only set when forking from the
    main thread; a child forked by a worker thread would die with that thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # we died before the call above
            os.kill(os.getpid(), sig)

    return hook
