"""One OCPP 2.0.1 transaction as a simulated station reports it: TransactionEvents with their
seqNo, evse, idToken and meter values (E01-E07)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from evroam_testing.signed_meter import SignedMeter
from evroam_testing.simulator import iso
from evroam_testing.station import Reading

if TYPE_CHECKING:
    from evroam_testing.station201 import SimulatedStation201

# The triggerReason that goes with a stoppedReason when the test names none (E06, F03, B12).
STOP_TRIGGER = {
    "Remote": "RemoteStop",
    "EVDisconnected": "EVDeparted",
    "DeAuthorized": "Deauthorized",
    "EnergyLimitReached": "EnergyLimitReached",
    "TimeLimitReached": "TimeLimitReached",
    "ImmediateReset": "ResetCommand",
}


def meter_value(r: Reading, context: str, signer: SignedMeter | None = None) -> dict[str, Any]:
    """A 2.0.1 MeterValueType: values are JSON numbers, units in unitOfMeasure; with a
    `signer`, the energy register's signedMeterValue on it."""
    energy: dict[str, Any] = {
        "value": r.energy_wh,
        "measurand": "Energy.Active.Import.Register",
        "context": r.context or context,
        "unitOfMeasure": {"unit": "Wh"},
    }
    if signer is not None:
        energy["signedMeterValue"] = signer.signed_meter_value(
            r.at, r.energy_wh, r.context or context
        )
    sampled = [energy]
    if r.power_w is not None:
        sampled.append(
            {
                "value": r.power_w,
                "measurand": "Power.Active.Import",
                "context": r.context or context,
                "unitOfMeasure": {"unit": "W"},
            }
        )
    return {"timestamp": iso(r.at), "sampledValue": sampled}


class StationTransaction:
    """One transaction as the station reports it, E01-E07: its id and the next seqNo.

    seqNo starts at 0 for each transaction and grows by one per TransactionEvent (OCTT TC_E_53);
    `seq_no=` sends that number instead and continues after it, which plays a dropped message
    (a gap, E04/E13) or a repeat. Each method returns the CSMS's answer as sent.
    """

    def __init__(
        self, station: SimulatedStation201, transaction_id: str, evse_id: int, connector_id: int
    ) -> None:
        self.station = station
        self.transaction_id = transaction_id
        self.evse_id = evse_id
        self.connector_id = connector_id
        self.next_seq_no = 0

    async def started(
        self,
        meter_start_wh: int,
        at: datetime,
        *,
        id_token: str | None = None,
        token_type: str = "ISO14443",
        trigger_reason: str | None = None,
        remote_start_id: int | None = None,
        charging_state: str = "Charging",
        offline: bool = False,
        seq_no: int | None = None,
    ) -> dict[str, Any]:
        """Started, with the evse (E01.FR.16: only in the first message) and the meter start.
        The answer holds idTokenInfo when an idToken was sent."""
        self.station.open_transactions.add(self.transaction_id)
        default_trigger = "Authorized" if id_token else "CablePluggedIn"
        return await self._event(
            "Started",
            trigger_reason or ("RemoteStart" if remote_start_id is not None else default_trigger),
            at,
            seq_no,
            charging_state=charging_state,
            remote_start_id=remote_start_id,
            id_token=_token(id_token, token_type),
            evse={"id": self.evse_id, "connectorId": self.connector_id},
            meter_values=[self._meter_value(Reading(at, meter_start_wh), "Transaction.Begin")],
            offline=offline,
        )

    async def updated(
        self,
        readings: Sequence[Reading] = (),
        *,
        at: datetime | None = None,
        trigger_reason: str = "MeterValuePeriodic",
        charging_state: str | None = None,
        offline: bool = False,
        seq_no: int | None = None,
    ) -> dict[str, Any]:
        """Updated, by default a periodic meter sample (TxUpdatedInterval) at the last reading."""
        moment = at or (readings[-1].at if readings else datetime.now(UTC))
        return await self._event(
            "Updated",
            trigger_reason,
            moment,
            seq_no,
            charging_state=charging_state,
            meter_values=[self._meter_value(r, "Sample.Periodic") for r in readings],
            offline=offline,
        )

    async def ended(
        self,
        meter_stop_wh: int,
        at: datetime,
        *,
        stopped_reason: str = "Local",
        trigger_reason: str | None = None,
        id_token: str | None = None,
        token_type: str = "ISO14443",
        charging_state: str | None = None,
        offline: bool = False,
        seq_no: int | None = None,
    ) -> dict[str, Any]:
        """Ended, with stoppedReason and the final meter value."""
        self.station.open_transactions.discard(self.transaction_id)
        unplugged = stopped_reason == "EVDisconnected"
        return await self._event(
            "Ended",
            trigger_reason or STOP_TRIGGER.get(stopped_reason, "StopAuthorized"),
            at,
            seq_no,
            charging_state=charging_state or ("Idle" if unplugged else "EVConnected"),
            stopped_reason=stopped_reason,
            id_token=_token(id_token, token_type),
            meter_values=[self._meter_value(Reading(at, meter_stop_wh), "Transaction.End")],
            offline=offline,
        )

    def _meter_value(self, r: Reading, context: str) -> dict[str, Any]:
        return meter_value(r, context, self.station.signed_meter)

    async def _event(
        self, event_type: str, trigger_reason: str, at: datetime, seq_no: int | None, **fields: Any
    ) -> dict[str, Any]:
        number = self.next_seq_no if seq_no is None else seq_no
        self.next_seq_no = number + 1
        return await self.station.transaction_event(
            event_type, self.transaction_id, number, trigger_reason, at, **fields
        )


def _token(id_token: str | None, token_type: str) -> dict[str, str] | None:
    return {"idToken": id_token, "type": token_type} if id_token is not None else None
