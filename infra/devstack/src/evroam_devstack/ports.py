"""TCP ports for the devstack: the documented defaults when free, otherwise free ones."""

from __future__ import annotations

import socket
from collections.abc import Callable

LOCALHOST = "127.0.0.1"


def free_port(host: str = LOCALHOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    # SO_REUSEADDR as servers set it, so a port in TIME_WAIT after a previous run counts as free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class PortAllocator:
    """Hands out distinct ports for one run.

    With `prefer_defaults` (what `make run` uses) a documented default port is taken when it is
    free; when it is not, a free port is used and `warn` says so. Without it (tests), every port
    is a free one, so several stacks can run side by side.
    """

    def __init__(
        self,
        *,
        prefer_defaults: bool,
        host: str = LOCALHOST,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.prefer_defaults = prefer_defaults
        self.host = host
        self._warn = warn or (lambda _message: None)
        self._taken: set[int] = set()

    def take(self, what: str, default: int | None = None) -> int:
        if self.prefer_defaults and default is not None:
            if default not in self._taken and port_is_free(default, self.host):
                return self._keep(default)
            port = self._free()
            self._warn(f"port {default} ({what}) is taken; using {port}")
            return port
        return self._free()

    def _free(self) -> int:
        while True:
            port = free_port(self.host)
            if port not in self._taken:
                return self._keep(port)

    def _keep(self, port: int) -> int:
        self._taken.add(port)
        return port
