"""OCPP 2.0.1 CSMS side of one connected station. TransactionEvent (E01-E15) becomes the same
normalized transaction messages as 1.6 Start/Stop/MeterValues, and EVSE/connector numbers are
resolved through the registry, so nothing downstream knows which version a station speaks."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import ocpp.v201.call
from ocpp.messages import Call
from ocpp.routing import on
from ocpp.v201 import ChargePoint
from ocpp.v201 import call_result as r201
from ocpp.v201.enums import Action

from evroam_gateway.domain.connectors import ConnectorRef
from evroam_gateway.domain.signed import set_aside_invalid
from evroam_gateway.handlers.station_traffic import BootInfo
from evroam_gateway.handlers.transactions import TransactionMessage
from evroam_gateway.ocpp.connection import (
    StationConnection,
    samples,
    signed,
    station_time,
    traceparent,
)

# OCPI/evroam token status -> OCPP 2.0.1 AuthorizationStatusEnumType.
ID_TOKEN_STATUS = {
    "ACCEPTED": "Accepted",
    "BLOCKED": "Blocked",
    "EXPIRED": "Expired",
    "NO_CREDIT": "NoCredit",
    "NOT_ALLOWED": "NotAtThisLocation",
    "UNKNOWN": "Unknown",
}
STATUS = {
    "Available": "AVAILABLE",
    "Occupied": "OCCUPIED",
    "Reserved": "RESERVED",
    "Unavailable": "UNAVAILABLE",
    "Faulted": "FAULTED",
}

# Why signedMeterValues of the CALL being handled were set aside before schema validation
# (domain/signed.py), for its handler.
SET_ASIDE: ContextVar[tuple[str, ...]] = ContextVar("evroam_signed_set_aside", default=())
WITH_METER_VALUES = frozenset({"TransactionEvent", "MeterValues"})


def _now() -> str:
    return datetime.now(UTC).isoformat()


def id_token_info(decision: dict[str, Any] | None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "status": ID_TOKEN_STATUS.get((decision or {}).get("status", ""), "Invalid")
    }
    parent = (decision or {}).get("parent_id_tag")
    if parent:
        info["group_id_token"] = {"id_token": parent[:36], "type": "Central"}
    return info


class Station201(StationConnection, ChargePoint):  # type: ignore[misc]
    version = "2.0.1"
    call_module = ocpp.v201.call

    async def _dispatch(self, call: Call) -> None:
        """A signedMeterValue the schema would refuse is set aside, not the whole message."""
        if call.action not in WITH_METER_VALUES:
            await super()._dispatch(call)
            return
        payload, refused = set_aside_invalid(call.payload)
        token = SET_ASIDE.set(refused)
        try:
            await super()._dispatch(Call(call.unique_id, call.action, payload))
        finally:
            SET_ASIDE.reset(token)

    @on(Action.boot_notification)
    async def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str, **_: Any
    ) -> r201.BootNotification:
        info = BootInfo(
            charging_station.get("vendor_name", ""),
            charging_station.get("model", ""),
            charging_station.get("serial_number"),
            charging_station.get("firmware_version"),
            reason,
        )
        with self.span("BootNotification"):
            status = await self.traffic.boot(
                self.id, "2.0.1", info, self.policy.unknown_station_status
            )
        return r201.BootNotification(
            current_time=_now(), interval=self.boot_interval(status), status=status
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> r201.Heartbeat:
        return r201.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    async def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> r201.StatusNotification:
        with self.span("StatusNotification"):
            await self.traffic.status_changed(
                self.id,
                ConnectorRef(evse_id=evse_id, connector_id=connector_id),
                STATUS[connector_status],
                "Faulted" if connector_status == "Faulted" else None,
                station_time(timestamp),
            )
        return r201.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> r201.Authorize:
        with self.span("Authorize") as span:
            uid = id_token["id_token"]
            session_id = self.traffic.open_session(self.id, uid, traceparent())
            span.set_attribute("evroam.correlation_id", session_id)
            decision = await self.traffic.authorize(self.id, uid, session_id)
        return r201.Authorize(id_token_info=id_token_info(decision))

    @on(Action.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        **rest: Any,
    ) -> r201.TransactionEvent:
        tx_id = transaction_info["transaction_id"]
        evse = rest.get("evse")
        id_token = rest.get("id_token")
        meter_value = rest.get("meter_value") or []
        signatures = signed(meter_value)
        message = TransactionMessage(
            event_type,  # type: ignore[arg-type]
            tx_id,
            station_time(timestamp),
            # E13: a retried message keeps its seqNo, not its message id.
            natural_key=f"tx:{tx_id}:{seq_no}",
            samples=samples(meter_value),
            signed=signatures.readings,
            signed_refused=SET_ASIDE.get() + signatures.refused,
            where=ConnectorRef(evse_id=evse["id"], connector_id=evse.get("connector_id"))
            if evse
            else None,
            id_tag=id_token["id_token"] if id_token else None,
            seq_no=seq_no,
            offline=bool(rest.get("offline", False)),
            trigger_reason=trigger_reason,
            charging_state=transaction_info.get("charging_state"),
            stopped_reason=transaction_info.get("stopped_reason"),
            remote_start_id=transaction_info.get("remote_start_id"),
            reservation_id=rest.get("reservation_id"),
        )
        tx = await self.transactions.context(self.id, tx_id)
        parent = tx.traceparent if tx else self.traffic.pending_trace(self.id, message.id_tag)
        with self.span(f"TransactionEvent {event_type}", parent) as span:
            result = await self.transactions.handle(self.id, message, traceparent(), tx)
            span.set_attribute("evroam.correlation_id", result["charging_session_id"])
        # E01.FR.11: idTokenInfo whenever the request carried an idToken.
        info = id_token_info(result["decision"]) if id_token else None
        return r201.TransactionEvent(id_token_info=info)

    @on(Action.meter_values)
    async def on_meter_values(
        self, evse_id: int, meter_value: list[dict[str, Any]], **_: Any
    ) -> r201.MeterValues:
        # J01: clock-aligned and idle readings outside transactions; kept, not billed.
        samples(meter_value)  # malformed values get a CALLERROR like transaction ones
        refused = SET_ASIDE.get() + signed(meter_value).refused
        detail: dict[str, Any] = {"evse_id": evse_id, "meter_value": meter_value}
        if refused:
            detail["signed_refused"] = list(refused)
        await self.notify("MeterValues", detail)
        return r201.MeterValues()

    @on(Action.notify_report)
    async def on_notify_report(self, **payload: Any) -> r201.NotifyReport:
        await self.notify("NotifyReport", payload)
        return r201.NotifyReport()

    @on(Action.notify_event)
    async def on_notify_event(self, event_data: list[dict[str, Any]], **rest: Any) -> Any:
        statuses = [s for e in event_data if (s := await self._availability(e)) is not None]
        await self.notify("NotifyEvent", {"event_data": event_data, **rest}, statuses)
        return r201.NotifyEvent()

    async def _availability(self, event: dict[str, Any]) -> Any:
        """G01/G03: a station may report connector status as a NotifyEvent of the Connector
        component's AvailabilityState instead of a StatusNotification."""
        component, variable = event.get("component", {}), event.get("variable", {})
        status = STATUS.get(str(event.get("actual_value")))
        evse = component.get("evse")
        if component.get("name") != "Connector" or variable.get("name") != "AvailabilityState":
            return None
        if status is None or not evse:
            return None
        where = ConnectorRef(evse_id=evse["id"], connector_id=evse.get("connector_id", 1))
        return await self.traffic.status_event(
            self.id, where, status, None, station_time(event["timestamp"])
        )

    @on(Action.security_event_notification)
    async def on_security_event(self, **payload: Any) -> r201.SecurityEventNotification:
        await self.notify("SecurityEventNotification", payload)
        return r201.SecurityEventNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status(self, **payload: Any) -> r201.FirmwareStatusNotification:
        await self.notify("FirmwareStatusNotification", payload)
        return r201.FirmwareStatusNotification()

    @on(Action.data_transfer)
    async def on_data_transfer(self, **payload: Any) -> r201.DataTransfer:
        await self.notify("DataTransfer", payload)
        return r201.DataTransfer(status="UnknownVendorId")
