"""`evroam-devstack`: run evroam on this machine without Docker."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from evroam_devstack.endpoints import render_endpoints
from evroam_devstack.orchestrator import DEFAULT_STATE_DIR, Devstack
from evroam_devstack.services import SERVICES, parse_services, template_command

DEFAULT_COMMAND = "{python} -m evroam_{service} {action}"

DESCRIPTION = """\
Run evroam locally without Docker: a Kafka-protocol broker (Tansu, in memory), an embedded
PostgreSQL, the topics of infra/kafka/topics.yaml, one database per service, and every
service as its own process. Every run starts from empty data. Ctrl-C stops everything.
"""


class StopRequested(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C does."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evroam-devstack",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    up = commands.add_parser(
        "up",
        help="start infrastructure and services; runs until Ctrl-C",
        description="Start broker, PostgreSQL, topics, databases, migrations and services, "
        "print the endpoints and write them to STATE_DIR/endpoints.json. Runs until Ctrl-C.",
    )
    _common_options(up)
    up.add_argument(
        "--services",
        type=_services,
        default=SERVICES,
        metavar="LIST",
        help=f"comma-separated subset to run, e.g. gateway,authorization (default: all "
        f"{len(SERVICES)}: {' '.join(SERVICES)})",
    )
    up.add_argument(
        "--service-command",
        default=DEFAULT_COMMAND,
        metavar="TEMPLATE",
        help="command that runs a service, with {python}, {service} and {action} "
        "(run|migrate) filled in (default: %(default)s)",
    )
    up.add_argument(
        "--ready-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for every /readyz (default: %(default)s)",
    )
    up.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        help="export the services' traces over OTLP/HTTP to URL (OTEL_EXPORTER_OTLP_ENDPOINT)",
    )
    infra = commands.add_parser(
        "infra",
        help="start only broker, PostgreSQL, topics and databases; runs until Ctrl-C",
        description="Start broker, PostgreSQL, the topics and the service databases, print "
        "the endpoints and write them to STATE_DIR/endpoints.json. Runs until Ctrl-C.",
    )
    _common_options(infra)
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        metavar="DIR",
        help="logs and endpoints.json go here (default: %(default)s)",
    )
    parser.add_argument(
        "--free-ports",
        action="store_true",
        help="use free ports instead of the documented defaults (9092, 5432, 8101-8107, 9000)",
    )


def _services(text: str) -> tuple[str, ...]:
    try:
        return parse_services(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    devstack = _devstack(args)
    with _signals(_raise_stop):
        try:
            if args.command == "up":
                devstack.up()
            else:
                devstack.start_infra()
                devstack.write_endpoints()
            print(render_endpoints(devstack.endpoints()), flush=True)
            print(
                f"\nendpoints: {devstack.endpoints_path}   logs: {devstack.log_dir}/   "
                "Ctrl-C to stop",
                flush=True,
            )
            _watch(devstack)
        except (KeyboardInterrupt, StopRequested):
            devstack.progress("stopping", "")
        except Exception as error:  # a startup failure: say what failed, stop what started
            print(f"\nevroam-devstack: {error}", file=sys.stderr, flush=True)
            return 1
        finally:
            # Stopping is bounded by grace periods; a second Ctrl-C must not cut it short.
            with _signals(signal.SIG_IGN):
                devstack.stop()
    return 0


def _devstack(args: argparse.Namespace) -> Devstack:
    if args.command == "infra":
        return Devstack(args.state_dir, free_ports=args.free_ports)
    extra_env = {"OTEL_EXPORTER_OTLP_ENDPOINT": args.otlp_endpoint} if args.otlp_endpoint else {}
    return Devstack(
        args.state_dir,
        services=args.services,
        command=template_command(args.service_command),
        extra_env=extra_env,
        free_ports=args.free_ports,
        ready_timeout=args.ready_timeout,
    )


def _watch(devstack: Devstack) -> None:
    """Wait for Ctrl-C; say so once when a service exits on its own (it is not restarted)."""
    reported: set[str] = set()
    while True:
        time.sleep(0.5)
        if devstack.service_set is None:
            continue
        for name, code in devstack.service_set.exited().items():
            if name not in reported:
                reported.add(name)
                devstack.progress.warn(
                    f"{name} exited with {code}; see {devstack.service_set.log_path(name)}"
                )


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise StopRequested


@contextmanager
def _signals(handler: Callable[[int, FrameType | None], Any] | int) -> Iterator[None]:
    """Route SIGINT, SIGTERM and SIGHUP to `handler` inside the block.

    SIGINT is set explicitly: a shell starts background jobs with it ignored, and the devstack
    must still stop on it.
    """
    stop_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.getsignal(sig) for sig in stop_signals}
    for sig in stop_signals:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            if old is not None:  # None: installed outside Python, cannot be put back
                signal.signal(sig, old)


if __name__ == "__main__":
    sys.exit(main())
