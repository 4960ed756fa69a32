"""The OCPP-J WebSocket endpoint: `ws://host:port/ocpp/<station id>` (and `wss://` on the TLS
port), OCPP 1.6J or 2.0.1 by subprotocol, in the station's order of preference.

Before the upgrade: an unknown station is refused with 404 (or let in to be held Pending, per
policy); a station with credentials must present them as HTTP Basic, user name = its own id,
and a security-profile-2 station must come over TLS; otherwise 401. So no station can speak
under another's id. An offer with no common version completes the handshake without a
subprotocol and is closed at once (1002), as OCPP-J requires (ocpp.md 1.2).
"""

from __future__ import annotations

import asyncio
import http
import logging
import ssl
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import ocpp.messages
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from evroam_gateway.domain.rate_limit import TokenBucket
from evroam_gateway.handlers.station_traffic import StationTraffic
from evroam_gateway.handlers.transactions import Transactions
from evroam_gateway.ocpp.connection import Policy, StationConnection
from evroam_gateway.ocpp.rpc import MessageCounts
from evroam_gateway.ocpp.v16.station import Station16
from evroam_gateway.ocpp.v201.station import Station201

log = logging.getLogger(__name__)
VERSIONS: dict[str, type[StationConnection]] = {"ocpp2.0.1": Station201, "ocpp1.6": Station16}
SUBPROTOCOLS = [Subprotocol(p) for p in VERSIONS]
MAX_IDENTITY = 48  # OCPP 2.0.1 identifierString; also the Basic-auth user name
# Threaded validation buys nothing on an event loop that does only I/O besides, and users
# report races with it (ocpp.md section 4.6); validate inline.
ocpp.messages.ASYNC_VALIDATION = False


def station_id_of(path: str) -> str:
    """The last path segment, percent-decoded (OCPP-J 1.6 section 3.1.1)."""
    return unquote(urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1])


class Verdict(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def security_profile(self) -> int: ...
    @property
    def outcome(self) -> object: ...


CheckCredentials = Callable[[str, str | None, bool], Awaitable[Verdict]]


@dataclass(frozen=True)
class Limits:
    max_frame_bytes: int
    calls_per_s: float
    burst: int
    flood_close_after: int
    command_timeout_s: float
    require_password: bool


@dataclass(frozen=True)
class Admission:
    known: bool
    security_profile: int


class OcppServer:
    def __init__(
        self,
        traffic: StationTraffic,
        check_credentials: CheckCredentials,
        policy: Policy,
        limits: Limits,
        replica_url: str,
    ) -> None:
        self._traffic, self._check, self._policy = traffic, check_credentials, policy
        self._limits, self._replica_url = limits, replica_url
        self._transactions = Transactions(traffic)
        self.connected: dict[str, StationConnection] = {}
        self.messages: MessageCounts = Counter()  # every station's, for /metrics
        self._admitted: dict[int, Admission] = {}

    def _pick(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        return next((p for p in offered if p in SUBPROTOCOLS), None)

    def _gate(self, tls: bool) -> Callable[[ServerConnection, Request], Awaitable[Response | None]]:
        async def check(connection: ServerConnection, request: Request) -> Response | None:
            station_id = station_id_of(request.path)
            if not station_id or len(station_id) > MAX_IDENTITY:
                return connection.respond(http.HTTPStatus.NOT_FOUND, "bad station identity\n")
            known = await self._traffic.station_known(station_id)
            if not known and self._policy.unknown_station_status == "Rejected":
                return connection.respond(http.HTTPStatus.NOT_FOUND, "unknown station\n")
            profile = 0
            if known:
                header = request.headers.get("Authorization")
                verdict = await self._check(station_id, header, tls)
                unsecured = self._limits.require_password and not verdict.security_profile
                if not verdict.ok or unsecured:
                    why = "no password set" if verdict.ok else verdict.outcome
                    log.warning("%s refused at the upgrade: %s", station_id, why)
                    response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "unauthorized\n")
                    response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
                    return response
                profile = verdict.security_profile
            self._admitted[id(connection)] = Admission(known, profile)
            return None

        return check

    async def _handle(self, connection: ServerConnection) -> None:
        admission = self._admitted.pop(id(connection), Admission(False, 0))
        if connection.subprotocol is None:
            await connection.close(1002, "no common OCPP version")
            return
        station_id = station_id_of(connection.request.path if connection.request else "")
        station = self._station(connection, station_id, admission)
        previous = self.connected.get(station_id)
        if previous is not None:  # a reconnect while the old socket is half-open
            await previous._connection.close(1000, "replaced by a new connection")
        self.connected[station_id] = station
        await self._traffic.connected(
            station_id, station.version, admission.security_profile, self._replica_url
        )
        try:
            await station.start()  # type: ignore[attr-defined]
        except ConnectionClosed:
            pass
        finally:
            if self.connected.get(station_id) is station:
                del self.connected[station_id]
                await self._traffic.disconnected(station_id, connection.close_code)

    def _station(
        self, connection: ServerConnection, station_id: str, admission: Admission
    ) -> StationConnection:
        cls: Any = VERSIONS[str(connection.subprotocol)]
        station: StationConnection = cls(
            station_id, connection, response_timeout=self._limits.command_timeout_s
        )
        station.setup_rpc(
            TokenBucket(self._limits.calls_per_s, self._limits.burst),
            self._limits.flood_close_after,
            accepted=admission.known,
            counts=self.messages,
        )
        station.attach(self._traffic, self._transactions, self._policy)
        return station

    def _serve(self, host: str, port: int, tls: ssl.SSLContext | None) -> Any:
        return serve(
            self._handle,
            host,
            port,
            subprotocols=SUBPROTOCOLS,
            select_subprotocol=self._pick,
            process_request=self._gate(tls is not None),
            max_size=self._limits.max_frame_bytes,
            ssl=tls,
        )

    async def run(
        self,
        stop: asyncio.Event,
        host: str,
        port: int,
        tls: tuple[int, ssl.SSLContext] | None = None,
    ) -> None:
        await self._traffic.forget_connections()
        servers: list[Server] = [await self._serve(host, port, None)]
        log.info("OCPP endpoint on ws://%s:%s/ocpp/<station id>", host, port)
        if tls is not None:
            servers.append(await self._serve(host, tls[0], tls[1]))
            log.info("OCPP endpoint on wss://%s:%s/ocpp/<station id>", host, tls[0])
        try:
            await stop.wait()
        finally:
            for server in servers:
                server.close(close_connections=True)
            await asyncio.gather(*(s.wait_closed() for s in servers))


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """TLS 1.2 or newer only (OCPP 2.0.1 A00.FR.318); no compression."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context
