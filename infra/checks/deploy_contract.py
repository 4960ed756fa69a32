"""The facts of docs/service-runtime.md that the deployment files must agree with."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# service -> default HTTP port (docs/service-runtime.md)
SERVICES: dict[str, int] = {
    "gateway": 8101,
    "authorization": 8102,
    "tariff": 8103,
    "session": 8104,
    "cdr": 8105,
    "roaming": 8106,
    "billing": 8107,
}
OCPP_PORT = 9000
AUTOSCALED = frozenset({"gateway", "roaming"})


class ToolMissingError(RuntimeError):
    """A checking tool that the dev dependencies install is not there."""


def find_tool(name: str) -> str:
    """The executable installed beside this interpreter by a wheel, else the one on PATH."""
    beside = shutil.which(name, path=str(Path(sys.executable).parent))
    found = beside or shutil.which(name)
    if found is None:
        raise ToolMissingError(
            f"{name} not found: install the root dev dependencies (uv sync), which bring it"
        )
    return found
