"""A charging station played by the real `ocpp` library over a real WebSocket (OCPP 1.6J).

Tests and the demo use it to drive the gateway as a charger would: boot, status, authorize,
start, meter values, stop; and to answer what the Central System asks (`received`, `answers`,
`silent`, `wait_for_call`, see `SimulatedStation`). Nothing is faked: every frame is validated
by the library's schemas on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Unpack

from ocpp.charge_point import camel_to_snake_case
from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection

from evroam_testing.signed_meter import SignedMeter
from evroam_testing.simulator import SimulatedStation, StationOptions, iso
from evroam_testing.station16_handlers import DEFAULT_CONFIGURATION, ChargePoint16

__all__ = ["PlayedSession", "Reading", "SimulatedStation16", "iso", "play_session"]


@dataclass(frozen=True)
class Reading:
    """What the station's meter says at a moment; `context` overrides the message's default
    ReadingContext (e.g. Transaction.End inside a StopTransaction's transactionData)."""

    at: datetime
    energy_wh: int
    power_w: int | None = None
    context: str | None = None


class SimulatedStation16(SimulatedStation):
    SUBPROTOCOL = "ocpp1.6"

    def __init__(self, ocpp_url: str, station_id: str, **options: Unpack[StationOptions]) -> None:
        super().__init__(ocpp_url, station_id, **options)
        # What the Central System can read and change (GetConfiguration, SendLocalList, ...).
        self.configuration: dict[str, str] = dict(DEFAULT_CONFIGURATION)
        self.local_list_version = 0

    def _charge_point(self, connection: ClientConnection) -> ChargePoint16:
        return ChargePoint16(self, connection, self._timeout)

    async def boot(self, vendor: str = "evroam", model: str = "sim-16") -> str:
        result = await self.call(
            call.BootNotification(charge_point_vendor=vendor, charge_point_model=model)
        )
        return str(result["status"])

    async def heartbeat(self) -> str:
        """The Central System's currentTime."""
        return str((await self.call(call.Heartbeat()))["currentTime"])

    async def status(
        self,
        connector_id: int,
        status: str,
        at: datetime | None = None,
        *,
        error_code: str = "NoError",
        info: str | None = None,
        vendor_error_code: str | None = None,
    ) -> None:
        await self.call(
            call.StatusNotification(
                connector_id=connector_id,
                error_code=error_code,
                status=status,
                timestamp=iso(at) if at else None,
                info=info,
                vendor_error_code=vendor_error_code,
            )
        )

    async def authorize(self, id_tag: str) -> str:
        return str((await self.authorize_info(id_tag))["status"])

    async def authorize_info(self, id_tag: str) -> dict[str, Any]:
        """The whole IdTagInfo the Central System answered, with snake_case keys (status,
        parent_id_tag, expiry_date) as earlier callers read it."""
        result = await self.call(call.Authorize(id_tag=id_tag))
        return dict(camel_to_snake_case(result["idTagInfo"]))

    async def start_transaction(
        self, connector_id: int, id_tag: str, meter_start_wh: int, at: datetime
    ) -> tuple[int, str]:
        result = await self.call(
            call.StartTransaction(
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=meter_start_wh,
                timestamp=iso(at),
            )
        )
        return int(result["transactionId"]), str(result["idTagInfo"]["status"])

    async def meter_values(
        self, connector_id: int, transaction_id: int | None, readings: Sequence[Reading]
    ) -> None:
        """MeterValues; without a transaction id they are the connector's (or, on connector 0,
        the main meter's) own readings."""
        await self.call(
            call.MeterValues(
                connector_id=connector_id,
                transaction_id=transaction_id,
                meter_value=[_meter_value(r, self.signed_meter) for r in readings],
            )
        )

    async def stop_transaction(
        self,
        transaction_id: int,
        meter_stop_wh: int,
        at: datetime,
        reason: str = "Local",
        *,
        id_tag: str | None = None,
        transaction_data: Sequence[Reading] = (),
    ) -> dict[str, Any]:
        """StopTransaction; the answer as sent (idTagInfo when an idTag was given)."""
        return await self.call(
            call.StopTransaction(
                transaction_id=transaction_id,
                meter_stop=meter_stop_wh,
                timestamp=iso(at),
                reason=reason,
                id_tag=id_tag,
                transaction_data=[_meter_value(r, self.signed_meter) for r in transaction_data]
                or None,
            )
        )

    async def data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None
    ) -> dict[str, Any]:
        """DataTransfer to the Central System; its answer as sent (status, data)."""
        return await self.call(
            call.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data)
        )

    async def diagnostics_status(self, status: str) -> None:
        """DiagnosticsStatusNotification: Idle, Uploading, Uploaded or UploadFailed."""
        await self.call(call.DiagnosticsStatusNotification(status=status))

    async def firmware_status(self, status: str) -> None:
        """FirmwareStatusNotification: Downloading, Downloaded, Installing, Installed, ..."""
        await self.call(call.FirmwareStatusNotification(status=status))


def _meter_value(r: Reading, signer: SignedMeter | None = None) -> dict[str, Any]:
    """A 1.6 MeterValue; with a `signer`, the register's signed value beside it (format
    SignedData: the value is the OCMF text, as OCMF stations send it in 1.6)."""
    context = r.context or "Sample.Periodic"
    values: list[dict[str, Any]] = [
        {
            "value": str(r.energy_wh),
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
            "context": context,
        }
    ]
    if signer is not None:
        values.append(
            {
                "value": signer.ocmf(r.at, r.energy_wh, context),
                "measurand": "Energy.Active.Import.Register",
                "context": context,
                "format": "SignedData",
            }
        )
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
