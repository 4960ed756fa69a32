"""What the OCPP 1.6J and 2.0.1 station simulators share: the WebSocket (subprotocol, HTTP Basic
auth, TLS), CALLs by message id, raw frames, and the record of what the CSMS asked.

The `ocpp` library reads the socket in its own task (`ChargePoint.start`) and hands every
CALLRESULT to whichever `call()` waits. `ScriptedChargePoint.route_message` sees each frame
first, so that raw frames get their answers, CALLRESULT payloads reach the caller as the CSMS
spelled them (no key-case round trip), and CALLs of `silent` actions get no answer at all.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl as ssl_module
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Collection, Coroutine, Mapping
from contextlib import suppress
from datetime import datetime
from types import TracebackType
from typing import Any, ClassVar, Self, TypedDict, TypeVar
from urllib.parse import quote

import websockets
from ocpp.charge_point import ChargePoint, camel_to_snake_case
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, validate_payload
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from evroam_testing.signed_meter import SignedMeter

T = TypeVar("T")

CALL, CALLRESULT, CALLERROR = 2, 3, 4
# OCPP 2.0.1 Part 4 §4.2.3: the message id of an answer to a frame whose id could not be read.
UNREADABLE_ID = "-1"


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _frame(text: str | bytes) -> list[Any] | None:
    """The frame when it is a JSON array with a string message id, else None."""
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    if isinstance(frame, list) and len(frame) >= 2 and isinstance(frame[1], str):
        return frame
    return None


class StationOptions(TypedDict, total=False):
    timeout_s: float
    password: str | bytes | None
    ssl: ssl_module.SSLContext | None
    subprotocols: Collection[str] | None
    answers: Mapping[str, Any] | None
    silent: Collection[str] | None
    signed_meter: SignedMeter | None


class SimulatedStation:
    """A charging station played by the `ocpp` library; each subclass is one OCPP version.

    `received` lists every CALL of the CSMS as `(action, payload)`, payload as sent (camelCase).
    `answers[action]` replaces the default answer: a payload dict as it goes on the wire, a
    `call_result` dataclass, or an `OCPPError` (answered as CALLERROR). Actions in `silent` get
    no answer, so the CSMS's command times out. With a `signed_meter`, every energy register
    reading the station sends comes with its signed value (OCMF), the way each OCPP version
    carries one.
    """

    SUBPROTOCOL: ClassVar[str]

    def __init__(
        self,
        ocpp_url: str,
        station_id: str,
        *,
        timeout_s: float = 30,
        password: str | bytes | None = None,
        ssl: ssl_module.SSLContext | None = None,
        subprotocols: Collection[str] | None = None,
        answers: Mapping[str, Any] | None = None,
        silent: Collection[str] | None = None,
        signed_meter: SignedMeter | None = None,
    ) -> None:
        # OCPP-J 1.1: the identity is the last path segment, percent-encoded.
        self.url = f"{ocpp_url.rstrip('/')}/{quote(station_id, safe='')}"
        self.station_id = station_id
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, Any] = dict(answers or {})
        self.silent: set[str] = set(silent or ())
        self.signed_meter = signed_meter
        self._timeout = timeout_s
        self._password = password
        self._ssl = ssl
        self._subprotocols = [self.SUBPROTOCOL] if subprotocols is None else list(subprotocols)
        self._ws: ClientConnection | None = None
        self._cp: ScriptedChargePoint | None = None
        self._reader: asyncio.Task[None] | None = None
        self._taken: defaultdict[str, int] = defaultdict(int)
        self._arrival = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    def _charge_point(self, connection: ClientConnection) -> ScriptedChargePoint:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        options: dict[str, Any] = {}
        if self._password is not None:
            # Security profiles 1 and 2: HTTP Basic on the upgrade, user = the station identity.
            secret = self._password
            secret = secret.encode() if isinstance(secret, str) else secret
            token = base64.b64encode(self.station_id.encode() + b":" + secret).decode()
            options["additional_headers"] = {"Authorization": f"Basic {token}"}
        if self._ssl is not None:
            options["ssl"] = self._ssl
        # An empty list sends no Sec-WebSocket-Protocol header at all.
        offered = [Subprotocol(p) for p in self._subprotocols] or None
        self._ws = await websockets.connect(self.url, subprotocols=offered, **options)
        self._cp = self._charge_point(self._ws)
        self._reader = asyncio.create_task(self._cp.start())
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reader

    @property
    def subprotocol(self) -> str | None:
        """The OCPP version the CSMS chose; None when it accepted none of the offered ones."""
        return self._ws.subprotocol if self._ws is not None else None

    async def wait_closed(self, timeout_s: float = 5) -> int | None:
        """Wait until the CSMS closes the connection; its close code."""
        ws = self._connection()
        await asyncio.wait_for(ws.wait_closed(), timeout_s)
        return ws.close_code

    async def call(self, payload: Any, *, message_id: str | None = None) -> dict[str, Any]:
        """Send a library `call` dataclass as a CALL; the CALLRESULT payload as the CSMS sent it.

        A CALLERROR raises the library's `OCPPError`. Sending twice with the same `message_id`
        plays a retransmission of one CALL.
        """
        cp = self._charge_point_in_use()
        message_id = message_id or str(uuid.uuid4())
        cp.results[message_id] = {}
        try:
            await self._while_connected(cp.call(payload, suppress=False, unique_id=message_id))
            return cp.results[message_id]
        finally:
            cp.results.pop(message_id, None)

    async def send_raw(self, text: str, *, timeout_s: float = 2) -> list[Any] | None:
        """Send any frame text unchanged; the CALLRESULT or CALLERROR answering it, as a list.

        The answer is matched by message id (or "-1", the id for an unreadable frame); None when
        nothing answers within `timeout_s`. A CALLRESULT or CALLERROR frame never gets an answer
        in OCPP-J, so sending one returns None at once.
        """
        cp = self._charge_point_in_use()
        frame = _frame(text)
        if frame is not None and frame[0] in (CALLRESULT, CALLERROR):
            await self._connection().send(text)
            return None
        message_id = frame[1] if frame is not None else UNREADABLE_ID
        answer = cp.expect_raw_answer(message_id)
        try:
            await self._connection().send(text)
            return await self._while_connected(asyncio.wait_for(answer, timeout_s))
        except TimeoutError:
            return None
        finally:
            cp.raw_answers.pop(message_id, None)

    async def wait_for_call(self, action: str, timeout_s: float = 5) -> dict[str, Any]:
        """The payload of the next CALL of `action` not yet returned by an earlier wait."""
        async with asyncio.timeout(timeout_s):
            while True:
                payloads = [p for a, p in self.received if a == action]
                if len(payloads) > self._taken[action]:
                    self._taken[action] += 1
                    return payloads[self._taken[action] - 1]
                await self._arrival.wait()

    def record_call(self, action: str, payload: dict[str, Any]) -> None:
        self.received.append((action, payload))
        arrived, self._arrival = self._arrival, asyncio.Event()
        arrived.set()

    def start_task(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run station-initiated work beside the reader; a CALL sent from inside an `@on`
        handler would wait for an answer the blocked reader never reads (ocpp #130)."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _while_connected(self, work: Awaitable[T]) -> T:
        """Raise ConnectionError as soon as the connection drops: the library's `call()` would
        wait out its whole response timeout (ocpp #330)."""
        assert self._reader is not None
        task = asyncio.ensure_future(work)
        await asyncio.wait({task, self._reader}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            reader = self._reader
            cause = None if reader.cancelled() else reader.exception()
            raise ConnectionError(f"{self.station_id}: the connection is closed") from cause
        try:
            return task.result()
        except websockets.ConnectionClosed as closed:
            raise ConnectionError(f"{self.station_id}: the connection is closed") from closed

    def _connection(self) -> ClientConnection:
        assert self._ws is not None, f"use `async with {type(self).__name__}(...)`"
        return self._ws

    def _charge_point_in_use(self) -> ScriptedChargePoint:
        assert self._cp is not None, f"use `async with {type(self).__name__}(...)`"
        return self._cp


class ScriptedChargePoint(ChargePoint):  # type: ignore[misc]
    """The library's ChargePoint, answering CSMS CALLs as its `SimulatedStation` is scripted."""

    def __init__(
        self, station: SimulatedStation, connection: ClientConnection, timeout_s: float
    ) -> None:
        super().__init__(station.station_id, connection, response_timeout=timeout_s)
        self.station = station
        self.results: dict[str, dict[str, Any]] = {}
        self.raw_answers: dict[str, asyncio.Future[list[Any]]] = {}
        # CALLs being handled: message id -> (action, payload as sent)
        self._inbound: dict[str, tuple[str, dict[str, Any]]] = {}

    def expect_raw_answer(self, message_id: str) -> asyncio.Future[list[Any]]:
        answer: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self.raw_answers[message_id] = answer
        return answer

    def request(self, call_unique_id: str) -> dict[str, Any]:
        """The CALL's payload as the CSMS sent it: handlers echo parts of it back."""
        return self._inbound[call_unique_id][1]

    def answer(self, call_unique_id: str, default: dict[str, Any]) -> Any:
        """Record the CALL and answer it: the test's entry in `answers`, else `default`."""
        action, payload = self._inbound[call_unique_id]
        self.station.record_call(action, payload)
        chosen = self.station.answers.get(action, default)
        if isinstance(chosen, OCPPError):
            raise chosen
        if isinstance(chosen, Mapping):
            return getattr(self._call_result, action)(**camel_to_snake_case(dict(chosen)))
        return chosen

    async def route_message(self, raw_msg: str) -> None:
        frame = _frame(raw_msg)
        if frame is None or len(frame) < 3:
            await super().route_message(raw_msg)
            return
        kind, message_id = frame[0], frame[1]
        if kind in (CALLRESULT, CALLERROR) and self._hand_to_raw_sender(frame):
            return
        if kind == CALLRESULT and message_id in self.results and isinstance(frame[2], dict):
            self.results[message_id] = frame[2]
        if kind == CALL and len(frame) == 4 and isinstance(frame[3], dict):
            action, payload = frame[2], frame[3]
            if action in self.station.silent and await self._valid(frame):
                self.station.record_call(action, payload)
                return
            self._inbound[message_id] = (action, payload)
        try:
            await super().route_message(raw_msg)
        finally:
            self._inbound.pop(message_id, None)

    def _hand_to_raw_sender(self, frame: list[Any]) -> bool:
        answer = self.raw_answers.pop(frame[1], None)
        if answer is None and frame[1] == UNREADABLE_ID and self.raw_answers:
            answer = self.raw_answers.pop(next(iter(self.raw_answers)))
        if answer is None or answer.done():
            return False
        answer.set_result(frame)
        return True

    async def _valid(self, frame: list[Any]) -> bool:
        try:
            await validate_payload(Call(*frame[1:]), self._ocpp_version)
        except OCPPError:
            return False
        return True
