"""A charging station played by the real `ocpp` library over a real WebSocket (OCPP 2.0.1).

The 2.0.1 twin of `SimulatedStation16`: boot, status, authorize, transactions as
TransactionEvents with their seqNo, device-model reports and notifications; and the same
`received`, `answers`, `silent`, `wait_for_call` and `send_raw` (see `SimulatedStation`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

from ocpp.v201 import call
from websockets.asyncio.client import ClientConnection

from evroam_testing.simulator import SimulatedStation, StationOptions, iso
from evroam_testing.station import Reading
from evroam_testing.station201_handlers import DEFAULT_VARIABLES, ChargePoint201
from evroam_testing.station201_transaction import StationTransaction, meter_value

__all__ = [
    "PlayedSession201",
    "SimulatedStation201",
    "StationTransaction",
    "play_session_201",
]


def _present(**fields: Any) -> dict[str, Any]:
    """Only the fields with a value: 2.0.1 wants an absent optional field left out, not null."""
    return {k: v for k, v in fields.items() if v is not None}


class SimulatedStation201(SimulatedStation):
    SUBPROTOCOL = "ocpp2.0.1"

    def __init__(self, ocpp_url: str, station_id: str, **options: Unpack[StationOptions]) -> None:
        super().__init__(ocpp_url, station_id, **options)
        # The device model the CSMS reads and writes (GetVariables, SetVariables, GetBaseReport).
        self.variables: dict[tuple[str, str], str] = dict(DEFAULT_VARIABLES)
        self.items_per_report = 4
        # Transactions Started and not Ended: GetTransactionStatus answers from them (E14).
        self.open_transactions: set[str] = set()

    def _charge_point(self, connection: ClientConnection) -> ChargePoint201:
        return ChargePoint201(self, connection, self._timeout)

    async def boot(
        self, vendor: str = "evroam", model: str = "sim-201", reason: str = "PowerUp"
    ) -> str:
        result = await self.call(
            call.BootNotification(
                charging_station={"model": model, "vendorName": vendor}, reason=reason
            )
        )
        return str(result["status"])

    async def heartbeat(self) -> str:
        """The CSMS's currentTime."""
        return str((await self.call(call.Heartbeat()))["currentTime"])

    async def status(
        self, evse_id: int, connector_id: int, connector_status: str, at: datetime | None = None
    ) -> None:
        """StatusNotification: Available, Occupied, Reserved, Unavailable or Faulted."""
        await self.call(
            call.StatusNotification(
                timestamp=iso(at or datetime.now(UTC)),
                connector_status=connector_status,
                evse_id=evse_id,
                connector_id=connector_id,
            )
        )

    async def authorize(self, id_token: str, token_type: str = "ISO14443") -> str:
        return str((await self.authorize_info(id_token, token_type))["status"])

    async def authorize_info(self, id_token: str, token_type: str = "ISO14443") -> dict[str, Any]:
        """The whole idTokenInfo the CSMS answered, as sent."""
        result = await self.call(call.Authorize(id_token={"idToken": id_token, "type": token_type}))
        return dict(result["idTokenInfo"])

    def transaction(
        self, evse_id: int = 1, connector_id: int = 1, transaction_id: str | None = None
    ) -> StationTransaction:
        """A new transaction (the station picks its id: E01.FR.08 says unique, so a UUID)."""
        return StationTransaction(self, transaction_id or str(uuid.uuid4()), evse_id, connector_id)

    async def transaction_event(
        self,
        event_type: str,
        transaction_id: str,
        seq_no: int,
        trigger_reason: str,
        at: datetime,
        *,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        remote_start_id: int | None = None,
        id_token: dict[str, Any] | None = None,
        evse: dict[str, int] | None = None,
        meter_values: Sequence[dict[str, Any]] = (),
        offline: bool = False,
    ) -> dict[str, Any]:
        """One TransactionEvent exactly as given; the answer as sent. `StationTransaction`
        fills in seqNo and the usual fields."""
        info = _present(
            transactionId=transaction_id,
            chargingState=charging_state,
            stoppedReason=stopped_reason,
            remoteStartId=remote_start_id,
        )
        return await self.call(
            call.TransactionEvent(
                event_type=event_type,
                timestamp=iso(at),
                trigger_reason=trigger_reason,
                seq_no=seq_no,
                transaction_info=info,
                meter_value=list(meter_values) or None,
                offline=offline or None,
                evse=evse,
                id_token=id_token,
            )
        )

    async def meter_values(
        self, evse_id: int, readings: Sequence[Reading], context: str = "Sample.Clock"
    ) -> None:
        """MeterValues outside a transaction (J01); evseId 0 is the main meter."""
        await self.call(
            call.MeterValues(
                evse_id=evse_id,
                meter_value=[meter_value(r, context, self.signed_meter) for r in readings],
            )
        )

    async def notify_report(
        self,
        request_id: int,
        report_data: Sequence[dict[str, Any]],
        *,
        seq_no: int = 0,
        tbc: bool = False,
        generated_at: datetime | None = None,
    ) -> None:
        await self.call(
            call.NotifyReport(
                request_id=request_id,
                generated_at=iso(generated_at or datetime.now(UTC)),
                seq_no=seq_no,
                report_data=list(report_data) or None,
                tbc=tbc or None,
            )
        )

    async def security_event(
        self, event_type: str, at: datetime | None = None, tech_info: str | None = None
    ) -> None:
        """SecurityEventNotification (A04), e.g. StartupOfTheDevice or InvalidMessages."""
        await self.call(
            call.SecurityEventNotification(
                type=event_type, timestamp=iso(at or datetime.now(UTC)), tech_info=tech_info
            )
        )

    async def notify_event(
        self,
        event_data: Sequence[dict[str, Any]],
        *,
        seq_no: int = 0,
        tbc: bool = False,
        generated_at: datetime | None = None,
    ) -> None:
        """NotifyEvent (N07): EventDataType items, e.g. Connector AvailabilityState changes."""
        await self.call(
            call.NotifyEvent(
                generated_at=iso(generated_at or datetime.now(UTC)),
                seq_no=seq_no,
                event_data=list(event_data),
                tbc=tbc or None,
            )
        )


@dataclass(frozen=True)
class PlayedSession201:
    transaction_id: str
    authorize_status: str
    start_status: str
    started_at: datetime
    ended_at: datetime
    meter_start_wh: int
    meter_stop_wh: int


async def play_session_201(
    station: SimulatedStation201,
    *,
    id_token: str,
    started_at: datetime,
    meter_start_wh: int,
    energy_wh_per_step: Sequence[int],
    evse_id: int = 1,
    connector_id: int = 1,
    token_type: str = "ISO14443",
    step: timedelta = timedelta(minutes=10),
) -> PlayedSession201:
    """Authorize, plug in, Started, one Updated per step, Ended (Local), unplug."""
    auth = await station.authorize(id_token, token_type)
    await station.status(evse_id, connector_id, "Occupied", started_at)
    tx = station.transaction(evse_id, connector_id)
    started = await tx.started(meter_start_wh, started_at, id_token=id_token, token_type=token_type)
    at, register = started_at, meter_start_wh
    for wh in energy_wh_per_step:
        at, register = at + step, register + wh
        power = int(wh * 3600 / step.total_seconds())
        await tx.updated([Reading(at, register, power)])
    await tx.ended(register, at)
    await station.status(evse_id, connector_id, "Available", at)
    start_status = str(started["idTokenInfo"]["status"])
    return PlayedSession201(
        tx.transaction_id, auth, start_status, started_at, at, meter_start_wh, register
    )
