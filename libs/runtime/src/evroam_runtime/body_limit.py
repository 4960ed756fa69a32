"""A limit on the size of a request body, in front of routing, for every service's HTTP API
(admin, read and OCPI routes alike): without it a multi-megabyte body is read, buffered and
parsed by whichever route it was sent to."""

from __future__ import annotations

import json
from collections import deque

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """HTTP 413 with a JSON error naming the limit for a body over `max_bytes`; the app never
    sees any of it. A declared Content-Length over the limit is refused at once; a body sent
    without one (chunked) is read here up to the limit (plus the chunk that crosses it) and
    then either refused or handed on whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > self.max_bytes:
                await self._refuse(send)
            else:  # the server hands on exactly the declared length, no more
                await self.app(scope, receive, send)
            return
        head = await _read_within(receive, self.max_bytes)
        if head is None:
            await self._refuse(send)
            return
        await self.app(scope, _replay(head, receive), send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "detail": f"request body larger than the limit of {self.max_bytes} bytes",
                "limit_bytes": self.max_bytes,
            }
        ).encode()
        # No `Connection: close`: uvicorn reads and discards the rest of the body after the
        # answer and keeps the connection. Closing with unread bytes would make the kernel
        # reset the connection, and a client still writing its body would lose the 413.
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def limit_body(app: Starlette, max_bytes: int) -> None:
    """Put a `BodyLimit` in front of `app`'s routes, once (a second call changes nothing)."""
    present: list[object] = [m.cls for m in app.user_middleware]
    if BodyLimit not in present:
        app.add_middleware(BodyLimit, max_bytes=max_bytes)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server answers 400 to such a request before the app
    return None


async def _read_within(receive: Receive, max_bytes: int) -> list[Message] | None:
    """The messages of the whole body, or None once it is over `max_bytes`."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":  # a disconnect: the app learns of it too
            return messages
        size += len(message.get("body", b""))
        if size > max_bytes:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(head: list[Message], receive: Receive) -> Receive:
    pending = deque(head)

    async def replayed() -> Message:
        return pending.popleft() if pending else await receive()

    return replayed
