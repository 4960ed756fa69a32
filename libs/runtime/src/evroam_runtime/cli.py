"""`python -m evroam_<svc> [run|migrate]`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from evroam_eventstore import apply_migrations
from evroam_runtime.host import ServiceHost
from evroam_runtime.settings import ServiceSettings

Wire = Callable[[ServiceHost], Awaitable[None]]


def sql_dir(app_module_file: str) -> Path:
    """The service's `sql/`: packaged beside the code in a wheel, beside `src/` in a checkout."""
    here = Path(app_module_file).resolve().parent
    packaged = here / "sql"
    return packaged if packaged.exists() else here.parents[1] / "sql"


def main(
    service: str,
    settings_factory: Callable[[], ServiceSettings],
    wire: Wire,
    sql_dir: Path,
    argv: list[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m evroam_{service}",
        description=f"The evroam {service} service. Settings come from EVROAM_{service.upper()}_* "
        "environment variables (docs/service-runtime.md).",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "migrate"],
        help="run the service (default) or apply its database migrations and exit",
    )
    args = parser.parse_args(argv)
    settings = settings_factory()
    if args.command == "migrate":
        applied = apply_migrations(settings.database_url, sql_dir)
        print(
            f"evroam-{service}: {len(applied)} migration(s) applied"
            + (f": {', '.join(applied)}" if applied else " (up to date)")
        )
        return 0
    host = ServiceHost(service, settings)
    asyncio.run(host.run(wire))
    return 0
