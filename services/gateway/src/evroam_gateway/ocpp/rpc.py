"""OCPP-J RPC framing in front of the `ocpp` library's routing, for both versions.

The library drops malformed frames silently, answers unknown actions with the spec's
NotImplemented and NotSupported swapped, and sends 1.6 stations the 2.0.1 spelling of
FormatViolation (ocpp.md sections 4.2, 4.6, 4.7). A station that gets no answer retries
until it discards its message, so every bad frame here gets a CALLERROR in the station's own
version's words:

- not JSON, or not an OCPP-J frame: FormationViolation (1.6) / FormatViolation (2.0.1), with
  message id "-1" when none can be read (OCPP 2.0.1 Part 4 section 4.2.3);
- an unknown message type id: the same in 1.6; MessageTypeNotSupported in 2.0.1;
- an action this CSMS has no handler for: NotImplemented; schema violations: the library's
  mapping, with 1.6 spellings;
- too many CALLs too fast: GenericError, and a station that keeps flooding is disconnected
  with 1008 (policy violation);
- anything but a BootNotification from a station still Pending: SecurityError (1.6J errata
  3.8, OCPP 2.0.1 B02.FR.09).

Frames over the size limit never get here: the WebSocket closes with 1009.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.messages import Call

from evroam_gateway.domain.rate_limit import TokenBucket
from evroam_gateway.handlers.call_ledger import CURRENT_CALL, CallRef

log = logging.getLogger(__name__)
CALL, CALLRESULT, CALLERROR = 2, 3, 4
FRAME_TYPES = {CALL: "CALL", CALLRESULT: "CALLRESULT", CALLERROR: "CALLERROR"}
# (direction, OCPP version, frame type, action) -> messages, for /metrics. An action this
# CSMS does not know counts as "unknown", so a station cannot grow the label set at will.
MessageCounts = Counter[tuple[str, ...]]
MAX_MESSAGE_ID = 36
# 1.6 kept its misspelt codes (OCPP-J 1.6 errata, "known issues that will not be fixed").
V16_SPELLING = {
    "FormatViolation": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}


class OcppRpc:
    """Mixed into the version's ChargePoint subclass, before it in the bases."""

    id: str
    route_map: dict[str, Any]
    _ocpp_version: str
    _connection: Any

    def setup_rpc(
        self,
        bucket: TokenBucket,
        flood_close_after: int,
        accepted: bool,
        counts: MessageCounts | None = None,
    ) -> None:
        self._bucket, self._flood_close_after = bucket, flood_close_after
        self._counts: MessageCounts = Counter() if counts is None else counts
        # The CSMS's CALL in flight (the library lets one out at a time): the action of
        # the answer the station sends back.
        self._csms_call: tuple[str, str] | None = None
        # False while the station is not in the registry and was answered Pending.
        self.accepted = accepted
        self._closing: asyncio.Task[None] | None = None

    @property
    def _format_code(self) -> str:
        return "FormationViolation" if self._ocpp_version == "1.6" else "FormatViolation"

    def _count(self, direction: str, frame_type: object, action: str) -> None:
        kind = FRAME_TYPES.get(frame_type, "invalid") if isinstance(frame_type, int) else "invalid"
        self._counts[(direction, self._ocpp_version, kind, action)] += 1

    def _count_sent(self, message: str) -> None:
        frame_type = int(message[1]) if message[1:2].isdigit() else None
        if frame_type == CALL:
            frame = json.loads(message)
            self._csms_call, action = (frame[1], frame[2]), frame[2]
        else:
            call = CURRENT_CALL.get()
            action = call.action if call is not None else ""
        self._count("sent", frame_type, action)

    def _count_received(self, frame: Any) -> None:
        frame_type = frame[0] if isinstance(frame, list) and frame else None
        action = ""
        if frame_type == CALL and len(frame) > 2:
            known = isinstance(frame[2], str) and frame[2] in self.route_map
            action = frame[2] if known else "unknown"
        elif self._csms_call is not None and self._csms_call[0] == _message_id(frame):
            action, self._csms_call = self._csms_call[1], None
        self._count("received", frame_type, action)

    async def _send(self, message: str) -> None:  # overrides the library's
        self._count_sent(message)
        if self._ocpp_version == "1.6" and message.startswith(f"[{CALLERROR},"):
            frame = json.loads(message)
            frame[2] = V16_SPELLING.get(frame[2], frame[2])
            message = json.dumps(frame, separators=(",", ":"))
        await self._connection.send(message)

    async def _call_error(self, message_id: str, code: str, description: str) -> None:
        log.info("%s: CALLERROR %s %s: %s", self.id, message_id, code, description)
        await self._send(json.dumps([CALLERROR, message_id, code, description[:255], {}]))

    async def route_message(self, raw_msg: str) -> None:  # overrides the library's
        if self._closing is not None:
            return  # disconnecting a flooder: what it still sent is dropped
        try:
            frame = json.loads(raw_msg)
        except ValueError:
            self._count("received", None, "")
            await self._call_error("-1", self._format_code, "message is not valid JSON")
            return
        self._count_received(frame)
        message_id = _message_id(frame)
        if not isinstance(frame, list) or len(frame) < 3 or not isinstance(frame[0], int):
            await self._call_error(
                message_id, self._format_code, "an OCPP-J message is [type, id, ...]"
            )
        elif frame[0] == CALL:
            await self._route_call(frame, message_id)
        elif frame[0] in (CALLRESULT, CALLERROR):
            await super().route_message(raw_msg)  # type: ignore[misc]
        else:
            code = self._format_code if self._ocpp_version == "1.6" else "MessageTypeNotSupported"
            await self._call_error(message_id, code, f"unknown message type {frame[0]}")

    async def _route_call(self, frame: list[Any], message_id: str) -> None:
        shape_ok = (
            len(frame) == 4
            and isinstance(frame[1], str)
            and 0 < len(frame[1]) <= MAX_MESSAGE_ID
            and isinstance(frame[2], str)
            and isinstance(frame[3], dict)
        )
        if not shape_ok:
            await self._call_error(
                message_id,
                self._format_code,
                "a CALL is [2, messageId (string, up to 36), action, {payload}]",
            )
            return
        _, message_id, action, payload = frame
        if not self._bucket.take(time.monotonic()):
            await self._refuse_flood(message_id)
            return
        if action not in self.route_map:
            await self._call_error(message_id, "NotImplemented", f"unknown action {action!r}")
            return
        if not self.accepted and action != "BootNotification":
            await self._call_error(
                message_id, "SecurityError", "registration pending: only BootNotification"
            )
            return
        token = CURRENT_CALL.set(CallRef(self.id, message_id, action))
        try:
            await self._dispatch(Call(message_id, action, payload))
        finally:
            CURRENT_CALL.reset(token)

    async def _dispatch(self, call: Call) -> None:
        try:
            await self._handle_call(call)  # type: ignore[attr-defined]
        except OCPPError as error:
            await self._send(call.create_call_error(error).to_json())

    async def _refuse_flood(self, message_id: str) -> None:
        await self._call_error(message_id, "GenericError", "message rate limit exceeded")
        if self._bucket.refused_in_a_row >= self._flood_close_after:
            log.warning("%s: flooding, disconnecting", self.id)
            # Not awaited here: the closing handshake needs this reader loop to go on reading
            # (a full receive queue pauses the socket, and the peer's close frame waits).
            self._closing = asyncio.create_task(
                self._connection.close(1008, "message rate limit exceeded")
            )


def _message_id(frame: Any) -> str:
    if isinstance(frame, list) and len(frame) > 1 and isinstance(frame[1], str):
        return frame[1][:MAX_MESSAGE_ID]
    return "-1"
