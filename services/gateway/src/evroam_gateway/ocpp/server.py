"""The OCPP-J WebSocket endpoint: `ws://host:port/ocpp/<station id>`, version by subprotocol."""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

import ocpp.messages
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from evroam_gateway.handlers.station_traffic import StationTraffic
from evroam_gateway.ocpp.v16.station import Station16

log = logging.getLogger(__name__)
SUBPROTOCOLS = [Subprotocol("ocpp1.6")]
# Threaded validation buys nothing on an event loop that does only I/O besides, and users
# report races with it (ocpp.md section 4.6); validate inline.
ocpp.messages.ASYNC_VALIDATION = False


def station_id_of(path: str) -> str:
    """The last path segment, percent-decoded (OCPP-J 1.6 section 3.1.1)."""
    return unquote(urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1])


class OcppServer:
    def __init__(self, traffic: StationTraffic, host: str, port: int, max_frame_bytes: int) -> None:
        self._traffic, self._host, self._port, self._max = traffic, host, port, max_frame_bytes
        self.connected: dict[str, Station16] = {}

    def _pick(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        return next((p for p in offered if p in SUBPROTOCOLS), None)

    async def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        if not await self._traffic.station_known(station_id_of(request.path)):
            return connection.respond(http.HTTPStatus.NOT_FOUND, "unknown station\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        if connection.subprotocol is None:
            await connection.close(1002, "no common OCPP version")
            return
        station_id = station_id_of(connection.request.path if connection.request else "")
        station = Station16(station_id, connection, self._traffic)
        self.connected[station_id] = station
        try:
            await station.start()
        except ConnectionClosed:
            pass
        finally:
            if self.connected.get(station_id) is station:
                del self.connected[station_id]

    async def run(self, stop: asyncio.Event) -> None:
        async with serve(
            self._handle,
            self._host,
            self._port,
            subprotocols=SUBPROTOCOLS,
            select_subprotocol=self._pick,
            process_request=self._check,
            max_size=self._max,
        ) as server:
            log.info("OCPP endpoint on ws://%s:%s/ocpp/<station id>", self._host, self._port)
            await stop.wait()
            server.close(close_connections=True)
            await server.wait_closed()
