"""Raw OCPP-J frames over a real WebSocket, for tests of what the gateway does with frames a
well-behaved library would never send (malformed JSON, wrong shapes, floods, retransmits)."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

BOOT_16 = {"chargePointVendor": "evroam", "chargePointModel": "wire"}
BOOT_201 = {"chargingStation": {"vendorName": "evroam", "model": "wire"}, "reason": "PowerUp"}


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@asynccontextmanager
async def wire(
    ocpp_url: str,
    station_id: str,
    version: str,
    *,
    password: str | None = None,
    tls: ssl.SSLContext | None = None,
    max_size: int | None = 2**22,
) -> AsyncIterator[ClientConnection]:
    headers = basic(station_id, password) if password else None
    async with websockets.connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=[Subprotocol(version)],
        additional_headers=headers,
        ssl=tls,
        max_size=max_size,
    ) as ws:
        yield ws


async def answer(ws: ClientConnection, timeout_s: float = 10) -> list[Any]:
    """The next frame the gateway sends, parsed."""
    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout_s))
    assert isinstance(frame, list)
    return frame


async def call(
    ws: ClientConnection, action: str, payload: dict[str, Any], message_id: str | None = None
) -> list[Any]:
    """Send a CALL and return the gateway's answer to it."""
    mid = message_id or str(uuid.uuid4())
    await ws.send(json.dumps([2, mid, action, payload]))
    frame = await answer(ws)
    assert frame[1] == mid, frame
    return frame
