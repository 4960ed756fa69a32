"""What the devstack tests check about processes, and the fake service's command."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

FAKE_SERVICE = Path(__file__).with_name("fake_service.py")
FAKE_TEMPLATE = f"{{python}} {FAKE_SERVICE} {{service}} {{action}}"


def fake_command(service: str, action: str) -> list[str]:
    return [sys.executable, str(FAKE_SERVICE), service, action]


def pid_alive(pid: int) -> bool:
    """True while `pid` runs; a zombie counts as gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def all_gone(pids: Iterable[int], timeout: float = 10.0) -> bool:
    pids = list(pids)
    return wait_until(lambda: not any(pid_alive(pid) for pid in pids), timeout)


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (no psutil needed)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                parent = int(stat.read().rsplit(")", 1)[-1].split()[1])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found
