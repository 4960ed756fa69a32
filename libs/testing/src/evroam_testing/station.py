"""A charging station played by the real `ocpp` library over a real WebSocket (OCPP 1.6J).

Tests and the demo use it to drive the gateway as a charger would: boot, status, authorize,
start, meter values, stop. Nothing is faked: every frame is validated by the library's
schemas on both sides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import websockets
from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import ClientConnection


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Reading:
    """What the station's meter says at a moment."""

    at: datetime
    energy_wh: int
    power_w: int | None = None


class SimulatedStation16:
    def __init__(self, ocpp_url: str, station_id: str, *, timeout_s: float = 30) -> None:
        self.url = f"{ocpp_url.rstrip('/')}/{station_id}"
        self.station_id = station_id
        self._timeout = timeout_s
        self._ws: ClientConnection | None = None
        self._cp: ChargePoint | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> SimulatedStation16:
        self._ws = await websockets.connect(self.url, subprotocols=["ocpp1.6"])  # type: ignore[list-item]
        self._cp = ChargePoint(self.station_id, self._ws, response_timeout=self._timeout)
        self._reader = asyncio.create_task(self._cp.start())
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _call(self, payload: Any) -> Any:
        assert self._cp is not None, "use `async with SimulatedStation16(...)`"
        return await self._cp.call(payload, suppress=False)

    async def boot(self, vendor: str = "evroam", model: str = "sim-16") -> str:
        result = await self._call(
            call.BootNotification(charge_point_vendor=vendor, charge_point_model=model)
        )
        return str(result.status)

    async def status(self, connector_id: int, status: str, at: datetime | None = None) -> None:
        await self._call(
            call.StatusNotification(
                connector_id=connector_id,
                error_code="NoError",
                status=status,
                timestamp=iso(at) if at else None,
            )
        )

    async def authorize(self, id_tag: str) -> str:
        return str((await self.authorize_info(id_tag))["status"])

    async def authorize_info(self, id_tag: str) -> dict[str, Any]:
        """The whole IdTagInfo the Central System answered (status, parentIdTag, expiryDate)."""
        result = await self._call(call.Authorize(id_tag=id_tag))
        return dict(result.id_tag_info)

    async def start_transaction(
        self, connector_id: int, id_tag: str, meter_start_wh: int, at: datetime
    ) -> tuple[int, str]:
        result = await self._call(
            call.StartTransaction(
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=meter_start_wh,
                timestamp=iso(at),
            )
        )
        return int(result.transaction_id), str(result.id_tag_info["status"])

    async def meter_values(
        self, connector_id: int, transaction_id: int, readings: Sequence[Reading]
    ) -> None:
        await self._call(
            call.MeterValues(
                connector_id=connector_id,
                transaction_id=transaction_id,
                meter_value=[_meter_value(r) for r in readings],
            )
        )

    async def stop_transaction(
        self, transaction_id: int, meter_stop_wh: int, at: datetime, reason: str = "Local"
    ) -> None:
        await self._call(
            call.StopTransaction(
                transaction_id=transaction_id,
                meter_stop=meter_stop_wh,
                timestamp=iso(at),
                reason=reason,
            )
        )


def _meter_value(r: Reading) -> dict[str, Any]:
    values: list[dict[str, Any]] = [
        {
            "value": str(r.energy_wh),
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
            "context": "Sample.Periodic",
        }
    ]
    if r.power_w is not None:
        values.append({"value": str(r.power_w), "measurand": "Power.Active.Import", "unit": "W"})
    return {"timestamp": iso(r.at), "sampledValue": values}


@dataclass(frozen=True)
class PlayedSession:
    transaction_id: int
    authorize_status: str
    start_status: str
    started_at: datetime
    ended_at: datetime
    meter_start_wh: int
    meter_stop_wh: int


async def play_session(
    station: SimulatedStation16,
    *,
    id_tag: str,
    connector_id: int,
    started_at: datetime,
    meter_start_wh: int,
    energy_wh_per_step: Sequence[int],
    step: timedelta = timedelta(minutes=10),
) -> PlayedSession:
    """Authorize, plug in, start, send one MeterValues per step, stop, unplug."""
    auth = await station.authorize(id_tag)
    await station.status(connector_id, "Preparing", started_at)
    tx, start_status = await station.start_transaction(
        connector_id, id_tag, meter_start_wh, started_at
    )
    await station.status(connector_id, "Charging", started_at)
    at, register = started_at, meter_start_wh
    for wh in energy_wh_per_step:
        at, register = at + step, register + wh
        power = int(wh * 3600 / step.total_seconds())
        await station.meter_values(connector_id, tx, [Reading(at, register, power)])
    await station.stop_transaction(tx, register, at)
    await station.status(connector_id, "Available", at)
    return PlayedSession(tx, auth, start_status, started_at, at, meter_start_wh, register)
