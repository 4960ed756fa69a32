"""OCPP 1.6J Central System side of one connected station (OCPP 1.6 section 4: operations
initiated by the charge point). Handlers translate to StationTraffic and back; each message
gets a span, and the messages of one charging session share the session's trace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ocpp.exceptions import PropertyConstraintViolationError
from ocpp.routing import on
from ocpp.v16 import ChargePoint
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from evroam_gateway.domain.meter import MeterValueError, parse_timestamp, to_samples
from evroam_gateway.handlers.station_traffic import StationTraffic, Transaction

tracer = trace.get_tracer("evroam.gateway.ocpp")

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


def _traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def _id_tag_info(decision: dict[str, Any]) -> dict[str, str]:
    """OCPP 1.6 IdTagInfo. NO_CREDIT and NOT_ALLOWED have no 1.6 word: Invalid. The group id
    is the parent id tag, when it fits OCPP 1.6's 20 characters (OCPI advises keeping it so)."""
    info = {"status": ID_TAG_STATUS.get(decision.get("status", ""), AuthorizationStatus.invalid)}
    parent = decision.get("parent_id_tag")
    if parent and len(parent) <= PARENT_ID_TAG_MAX:
        info["parent_id_tag"] = parent
    return info


class Station16(ChargePoint):  # type: ignore[misc]
    def __init__(self, station_id: str, connection: Any, traffic: StationTraffic) -> None:
        super().__init__(station_id, connection, response_timeout=30)
        self.traffic = traffic

    @contextmanager
    def _span(self, action: str, traceparent: str | None = None) -> Iterator[Span]:
        parent = propagate.extract({"traceparent": traceparent}) if traceparent else None
        with tracer.start_as_current_span(
            f"ocpp {action}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"ocpp.version": "1.6", "ocpp.station_id": self.id},
        ) as span:
            yield span

    @on(Action.boot_notification)
    async def on_boot_notification(self, **payload: Any) -> r16.BootNotification:
        with self._span("BootNotification"):
            status = await self.traffic.boot(self.id, "1.6", payload)
        return r16.BootNotification(
            current_time=datetime.now(UTC).isoformat(),
            interval=300,
            status=RegistrationStatus.accepted
            if status == "Accepted"
            else RegistrationStatus.rejected,
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self) -> r16.Heartbeat:
        return r16.Heartbeat(current_time=datetime.now(UTC).isoformat())

    @on(Action.status_notification)
    async def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **rest: Any
    ) -> r16.StatusNotification:
        with self._span("StatusNotification"):
            at = parse_timestamp(rest["timestamp"]) if rest.get("timestamp") else None
            await self.traffic.status_changed(
                self.id,
                connector_id,
                STATUS[status],
                None if error_code == "NoError" else error_code,
                at,
            )
        return r16.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str) -> r16.Authorize:
        with self._span("Authorize") as span:
            session_id = self.traffic.open_session(self.id, id_tag, _traceparent())
            span.set_attribute("evroam.correlation_id", session_id)
            decision = await self.traffic.authorize(self.id, id_tag, session_id)
        return r16.Authorize(id_tag_info=_id_tag_info(decision))

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> r16.StartTransaction:
        session_id, traceparent = self.traffic.join_session(self.id, id_tag)
        with self._span("StartTransaction", traceparent) as span:
            span.set_attribute("evroam.correlation_id", session_id)
            tx_id, decision = await self.traffic.start_transaction(
                self.id,
                connector_id,
                id_tag,
                meter_start,
                _timestamp(timestamp),
                session_id,
                _traceparent(),
            )
        return r16.StartTransaction(transaction_id=tx_id, id_tag_info=_id_tag_info(decision))

    @on(Action.meter_values)
    async def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], **rest: Any
    ) -> r16.MeterValues:
        tx_id = rest.get("transaction_id")
        if tx_id is None:
            return r16.MeterValues()  # station-wide meter readings are not part of a session
        tx: Transaction = await self.traffic.transaction(self.id, tx_id)
        with self._span("MeterValues", tx.traceparent):
            await self.traffic.meter_values(self.id, tx, tx_id, _samples(meter_value))
        return r16.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self, transaction_id: int, meter_stop: int, timestamp: str, **rest: Any
    ) -> r16.StopTransaction:
        tx = await self.traffic.transaction(self.id, transaction_id)
        with self._span("StopTransaction", tx.traceparent):
            await self.traffic.stop_transaction(
                self.id,
                tx,
                transaction_id,
                meter_stop,
                _timestamp(timestamp),
                rest.get("reason", "Local"),
                rest.get("id_tag"),
                _samples(rest.get("transaction_data") or []),
            )
        return r16.StopTransaction(id_tag_info={"status": AuthorizationStatus.accepted})


def _timestamp(raw: str) -> datetime:
    try:
        return parse_timestamp(raw)
    except MeterValueError as exc:
        raise PropertyConstraintViolationError(description=str(exc)) from exc


def _samples(meter_value: list[dict[str, Any]]) -> list[Any]:
    try:
        return to_samples(meter_value)
    except MeterValueError as exc:
        raise PropertyConstraintViolationError(description=str(exc)) from exc
