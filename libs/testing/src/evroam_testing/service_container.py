"""One evroam service in a container, as a child process the devstack's `ServiceSet` can own.

    python -m evroam_testing.service_container IMAGE ACTION

starts IMAGE (a service image built from infra/Dockerfile) with ACTION (`run` or `migrate`)
through testcontainers, on the host network, with this process's `EVROAM_*` and `OTEL_*`
environment; copies the container's output to stdout (the service's log file); on SIGTERM stops
the container with a grace period; and exits with the container's status. So the flow tests
drive containers exactly as they drive processes: start, stop, restart in the middle of a
session, read the log tail of a failure.

The stack uses it when `EVROAM_TEST_SERVICE_IMAGES` names the images, e.g.
`evroam/{service}:local` (see `container_command` and infra/containers/README.md).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import Any

from evroam_devstack import ServiceCommand

IMAGES_ENV = "EVROAM_TEST_SERVICE_IMAGES"
FORWARDED_PREFIXES = ("EVROAM_", "OTEL_")
# Below the 10 s the ServiceSet waits before it kills this process, so the container's own
# SIGTERM handling (drain, commit offsets) finishes first.
STOP_GRACE_S = 8
LABEL = "org.evroam.test-service"


def container_command(image_template: str) -> ServiceCommand:
    """A `ServiceCommand` that runs each service from `image_template` (`{service}` filled in)."""
    if "{service}" not in image_template:
        raise ValueError(f"{IMAGES_ENV}={image_template!r} must contain {{service}}")

    def command(service: str, action: str) -> list[str]:
        image = image_template.format(service=service)
        return [sys.executable, "-m", "evroam_testing.service_container", image, action]

    return command


def forwarded_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The service's configuration: what the ServiceSet set for it, nothing of the host's."""
    return {
        key: value
        for key, value in environ.items()
        if key.startswith(FORWARDED_PREFIXES) and not key.startswith("EVROAM_TEST_")
    }


def run(image: str, action: str, environ: Mapping[str, str]) -> int:
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(image).with_command(action)
    container.with_kwargs(network_mode="host", labels={LABEL: action})
    for key, value in forwarded_env(environ).items():
        container.with_env(key, value)
    stop = threading.Event()
    _on_stop_signals(stop.set)
    container.start()
    try:
        wrapped = container.get_wrapped_container()
        threading.Thread(target=_copy_logs, args=(wrapped,), daemon=True).start()
        status = _wait(wrapped, stop)
        if status is None:  # asked to stop: a graceful stop, then its status
            wrapped.stop(timeout=STOP_GRACE_S)
            status = _wait(wrapped, threading.Event())
        return status if status is not None else 1
    finally:
        container.stop()  # removes it (force); already stopped by now


def _on_stop_signals(callback: Callable[[], None]) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        callback()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _copy_logs(wrapped: Any) -> None:
    out = sys.stdout.buffer
    for chunk in wrapped.logs(stream=True, follow=True):
        out.write(chunk)
        out.flush()


def _wait(wrapped: Any, stop: threading.Event) -> int | None:
    """The container's exit status, or None once `stop` is set while it still runs."""
    exited: list[int] = []
    done = threading.Event()

    def wait() -> None:
        exited.append(int(wrapped.wait()["StatusCode"]))
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    while not done.wait(0.2):
        if stop.is_set():
            return None
    return exited[0]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[1] not in ("run", "migrate"):
        print(
            "usage: python -m evroam_testing.service_container IMAGE run|migrate",
            file=sys.stderr,
        )
        return 2
    return run(args[0], args[1], os.environ)


if __name__ == "__main__":
    raise SystemExit(main())
