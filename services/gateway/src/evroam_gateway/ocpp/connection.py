"""What a connected station is to the gateway, whatever its OCPP version: its RPC guard, the
handlers it reaches, a span per message, and the way CSMS-initiated commands reach it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import OCPPError, PropertyConstraintViolationError
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from evroam_gateway.domain.meter import MeterValueError, parse_timestamp, to_samples
from evroam_gateway.domain.signed import Signed, signed_readings
from evroam_gateway.domain.station_commands import outcome_of
from evroam_gateway.handlers.station_traffic import StationTraffic
from evroam_gateway.handlers.transactions import Transactions
from evroam_gateway.ocpp.rpc import OcppRpc

tracer = trace.get_tracer("evroam.gateway.ocpp")
# A transaction message whose timestamp is this much older than its arrival was queued while
# the station was offline (1.6 has no offline flag; 2.0.1 says so itself).
OFFLINE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Policy:
    """How the gateway treats stations; from its settings."""

    heartbeat_interval_s: int
    unknown_station_status: str  # Pending or Rejected
    boot_retry_interval_s: int = 60


@dataclass(frozen=True)
class CommandResult:
    outcome: str
    response: dict[str, Any]
    reason: str | None = None


def traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def station_time(raw: str) -> datetime:
    try:
        return parse_timestamp(raw)
    except MeterValueError as exc:
        raise PropertyConstraintViolationError(description=str(exc)) from exc


def samples(meter_value: list[dict[str, Any]]) -> tuple[Any, ...]:
    try:
        return tuple(to_samples(meter_value))
    except MeterValueError as exc:
        raise PropertyConstraintViolationError(description=str(exc)) from exc


def signed(meter_value: list[dict[str, Any]]) -> Signed:
    try:
        return signed_readings(meter_value)
    except MeterValueError as exc:
        raise PropertyConstraintViolationError(description=str(exc)) from exc


def digest(payload: Any) -> str:
    """A short, stable fingerprint of a payload: the natural key of messages the spec gives
    no id to (a 1.6 MeterValues sent again under a new message id)."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def offline(at: datetime) -> bool:
    return datetime.now(UTC) - at > OFFLINE_AFTER


class StationConnection(OcppRpc):
    """Mixed into Station16 / Station201 before the library's ChargePoint."""

    version: str
    call_module: ModuleType

    def attach(self, traffic: StationTraffic, transactions: Transactions, policy: Policy) -> None:
        self.traffic, self.transactions, self.policy = traffic, transactions, policy

    @contextmanager
    def span(self, action: str, parent: str | None = None) -> Iterator[Span]:
        context = propagate.extract({"traceparent": parent}) if parent else None
        with tracer.start_as_current_span(
            f"ocpp {action}",
            context=context,
            kind=SpanKind.SERVER,
            attributes={"ocpp.version": self.version, "ocpp.station_id": self.id},
        ) as span:
            yield span

    async def notify(self, action: str, detail: dict[str, Any], also: Sequence[Any] = ()) -> None:
        """Record a reporting message with its payload as the station sent it (the library
        hands it over in snake_case), and what it implies (`also`), once."""
        camel = snake_to_camel_case(detail)
        await self.traffic.notified(self.id, self.version, action, camel, also)

    def boot_interval(self, status: str) -> int:
        if status == "Accepted":
            self.accepted = True
            return self.policy.heartbeat_interval_s
        return self.policy.boot_retry_interval_s

    async def closed(self) -> None:
        """Returns when the socket is gone: a pending CALL is not woken by that (ocpp#330)."""
        await self._connection.wait_closed()

    async def send_command(self, action: str, arguments: dict[str, Any]) -> CommandResult:
        """Send one CSMS-initiated CALL and wait for the station's answer (the library lets
        one CALL out at a time per station, as the spec requires)."""
        try:
            payload = getattr(self.call_module, action)(**arguments)
        except (AttributeError, TypeError) as exc:
            return CommandResult("not_supported", {}, f"{action}{arguments}: {exc}")
        try:
            result = await self.call(payload, suppress=False)  # type: ignore[attr-defined]
        except TimeoutError:
            return CommandResult("timed_out", {}, "the station did not answer in time")
        except OCPPError as exc:
            return CommandResult("call_error", {"code": exc.code}, str(exc.description))
        response = remove_nones(serialize_as_dict(result))
        return CommandResult(outcome_of(response), response)
