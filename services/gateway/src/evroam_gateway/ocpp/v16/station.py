"""OCPP 1.6J Central System side of one connected station: every operation a charge point
initiates (OCPP 1.6 section 4, plus the security whitepaper's notifications). Handlers
translate to the version-neutral handlers and back; each message gets a span, and the
messages of one charging session share the session's trace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import ocpp.v16.call
from ocpp.routing import on
from ocpp.v16 import ChargePoint
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

from evroam_gateway.domain.connectors import ConnectorRef
from evroam_gateway.handlers.station_traffic import BootInfo
from evroam_gateway.handlers.transactions import TransactionMessage
from evroam_gateway.ocpp.connection import (
    StationConnection,
    digest,
    offline,
    samples,
    signed,
    station_time,
    traceparent,
)

ID_TAG_STATUS = {
    "ACCEPTED": AuthorizationStatus.accepted,
    "BLOCKED": AuthorizationStatus.blocked,
    "EXPIRED": AuthorizationStatus.expired,
}
PARENT_ID_TAG_MAX = 20
STATUS = {
    "Available": "AVAILABLE",
    "Preparing": "PREPARING",
    "Charging": "CHARGING",
    "SuspendedEV": "SUSPENDED_EV",
    "SuspendedEVSE": "SUSPENDED_EVSE",
    "Finishing": "FINISHING",
    "Reserved": "RESERVED",
    "Unavailable": "UNAVAILABLE",
    "Faulted": "FAULTED",
}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def id_tag_info(decision: dict[str, Any]) -> dict[str, str]:
    """OCPP 1.6 IdTagInfo. NO_CREDIT and NOT_ALLOWED have no 1.6 word: Invalid. The group id
    is the parent id tag, when it fits OCPP 1.6's 20 characters (OCPI advises keeping it so)."""
    info = {"status": ID_TAG_STATUS.get(decision.get("status", ""), AuthorizationStatus.invalid)}
    parent = decision.get("parent_id_tag")
    if parent and len(parent) <= PARENT_ID_TAG_MAX:
        info["parent_id_tag"] = parent
    return info


class Station16(StationConnection, ChargePoint):  # type: ignore[misc]
    version = "1.6"
    call_module = ocpp.v16.call

    @on(Action.boot_notification)
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **rest: Any
    ) -> r16.BootNotification:
        info = BootInfo(
            charge_point_vendor,
            charge_point_model,
            rest.get("charge_point_serial_number") or rest.get("charge_box_serial_number"),
            rest.get("firmware_version"),
        )
        with self.span("BootNotification"):
            status = await self.traffic.boot(
                self.id, "1.6", info, self.policy.unknown_station_status
            )
        return r16.BootNotification(
            current_time=_now(),
            interval=self.boot_interval(status),
            status=RegistrationStatus(status),
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self) -> r16.Heartbeat:
        return r16.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    async def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **rest: Any
    ) -> r16.StatusNotification:
        with self.span("StatusNotification"):
            at = station_time(rest["timestamp"]) if rest.get("timestamp") else None
            await self.traffic.status_changed(
                self.id,
                ConnectorRef(ocpp_connector_id=connector_id),
                STATUS[status],
                None if error_code == "NoError" else error_code,
                at,
            )
        return r16.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str) -> r16.Authorize:
        with self.span("Authorize") as span:
            session_id = self.traffic.open_session(self.id, id_tag, traceparent())
            span.set_attribute("evroam.correlation_id", session_id)
            decision = await self.traffic.authorize(self.id, id_tag, session_id)
        return r16.Authorize(id_tag_info=id_tag_info(decision))

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **rest: Any
    ) -> r16.StartTransaction:
        at = station_time(timestamp)
        message = TransactionMessage(
            "Started",
            None,
            at,
            # A station resending a start it got no answer for must get the same id (ocpp.md 2.7)
            natural_key=f"start:{connector_id}:{id_tag}:{meter_start}:{timestamp}",
            where=ConnectorRef(ocpp_connector_id=connector_id),
            id_tag=id_tag,
            meter_wh=meter_start,
            offline=offline(at),
            reservation_id=rest.get("reservation_id"),
        )
        with self.span("StartTransaction", self.traffic.pending_trace(self.id, id_tag)) as span:
            result = await self.transactions.handle(self.id, message, traceparent(), None)
            span.set_attribute("evroam.correlation_id", result["charging_session_id"])
        return r16.StartTransaction(
            transaction_id=int(result["transaction_id"]),
            id_tag_info=id_tag_info(result["decision"] or {}),
        )

    @on(Action.meter_values)
    async def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], **rest: Any
    ) -> r16.MeterValues:
        tx_id = rest.get("transaction_id")
        if tx_id is None:  # station-wide or idle readings: kept, but not part of a session
            await self.notify(
                "MeterValues", {"connector_id": connector_id, **rest, "meter_value": meter_value}
            )
            return r16.MeterValues()
        readings, signatures = samples(meter_value), signed(meter_value)
        times = [*(s.at for s in readings), *(r.at for r in signatures.readings)]
        message = TransactionMessage(
            "Updated",
            str(tx_id),
            min(times, default=datetime.now(UTC)),
            natural_key=f"meter:{tx_id}:{connector_id}:{digest(meter_value)}",
            samples=readings,
            where=ConnectorRef(ocpp_connector_id=connector_id),
            signed=signatures.readings,
            signed_refused=signatures.refused,
        )
        await self._transaction_message("MeterValues", message)
        return r16.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self, transaction_id: int, meter_stop: int, timestamp: str, **rest: Any
    ) -> r16.StopTransaction:
        at = station_time(timestamp)
        data = rest.get("transaction_data") or []
        signatures = signed(data)
        message = TransactionMessage(
            "Ended",
            str(transaction_id),
            at,
            natural_key=f"stop:{transaction_id}",
            samples=samples(data),
            signed=signatures.readings,
            signed_refused=signatures.refused,
            id_tag=rest.get("id_tag"),
            meter_wh=meter_stop,
            offline=offline(at),
            stopped_reason=rest.get("reason", "Local"),
        )
        await self._transaction_message("StopTransaction", message)
        # The stop happens whatever we say; the tag's status only matters for the station's
        # cache, and a stopping tag was accepted at start or shares its parent.
        info = {"status": AuthorizationStatus.accepted} if rest.get("id_tag") else None
        return r16.StopTransaction(id_tag_info=info)

    async def _transaction_message(self, action: str, message: TransactionMessage) -> None:
        assert message.transaction_id is not None
        tx = await self.transactions.context(self.id, message.transaction_id)
        with self.span(action, tx.traceparent if tx else None):
            await self.transactions.handle(self.id, message, traceparent(), tx)

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **rest: Any) -> r16.DataTransfer:
        await self.notify("DataTransfer", {"vendor_id": vendor_id, **rest})
        # Recorded for whoever understands the vendor; the gateway itself implements none.
        return r16.DataTransfer(status="UnknownVendorId")

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status(self, status: str) -> r16.DiagnosticsStatusNotification:
        await self.notify("DiagnosticsStatusNotification", {"status": status})
        return r16.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status(self, status: str) -> r16.FirmwareStatusNotification:
        await self.notify("FirmwareStatusNotification", {"status": status})
        return r16.FirmwareStatusNotification()

    @on(Action.security_event_notification)
    async def on_security_event(
        self, type: str, timestamp: str, **rest: Any
    ) -> r16.SecurityEventNotification:
        await self.notify(
            "SecurityEventNotification", {"type": type, "timestamp": timestamp, **rest}
        )
        return r16.SecurityEventNotification()
