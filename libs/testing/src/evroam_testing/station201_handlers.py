# mypy: disallow-untyped-decorators=False
"""How the simulated OCPP 2.0.1 station answers the CSMS.

Every answer is a schema-valid positive one unless the test scripted another through
`SimulatedStation201.answers` or `.silent`. GetVariables, SetVariables and GetBaseReport read
and write a small device model, `SimulatedStation201.variables`: (component name, variable
name) -> Actual value, so that a configure-then-read flow behaves as on a real station.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp import v201
from ocpp.routing import after, on
from ocpp.v201.enums import Action
from websockets.asyncio.client import ClientConnection

from evroam_testing.simulator import ScriptedChargePoint

if TYPE_CHECKING:
    from evroam_testing.station201 import SimulatedStation201

ACCEPTED = {"status": "Accepted"}
DEFAULT_VARIABLES = {
    ("OCPPCommCtrlr", "HeartbeatInterval"): "300",
    ("OCPPCommCtrlr", "OfflineThreshold"): "600",
    ("SampledDataCtrlr", "TxUpdatedInterval"): "60",
    ("SampledDataCtrlr", "TxUpdatedMeasurands"): "Energy.Active.Import.Register",
    ("TxCtrlr", "TxStartPoint"): "PowerPathClosed",
    ("TxCtrlr", "TxStopPoint"): "EVConnected,Authorized",
    ("AuthCtrlr", "AuthorizeRemoteStart"): "true",
    ("SecurityCtrlr", "SecurityProfile"): "1",
}
# A00.FR.205 / A01: the CSMS may set the Basic auth password but never read it back.
WRITE_ONLY = frozenset({("SecurityCtrlr", "BasicAuthPassword")})


def _key(item: dict[str, Any]) -> tuple[str, str]:
    return item["component"]["name"], item["variable"]["name"]


def _echo(item: dict[str, Any]) -> dict[str, Any]:
    """The component, variable and attributeType of a request item, for its result."""
    return {k: item[k] for k in ("component", "variable", "attributeType") if k in item}


def report_item(key: tuple[str, str], value: str) -> dict[str, Any]:
    """One ReportDataType of a NotifyReport (B07): the Actual attribute of one variable."""
    attribute: dict[str, Any] = {"type": "Actual", "mutability": "ReadWrite", "value": value}
    if key in WRITE_ONLY:
        attribute = {"type": "Actual", "mutability": "WriteOnly"}
    return {
        "component": {"name": key[0]},
        "variable": {"name": key[1]},
        "variableAttribute": [attribute],
    }


class ChargePoint201(ScriptedChargePoint, v201.ChargePoint):  # type: ignore[misc]
    station: SimulatedStation201

    def __init__(
        self, station: SimulatedStation201, connection: ClientConnection, timeout_s: float
    ) -> None:
        super().__init__(station, connection, timeout_s)
        self._reports_due: set[int] = set()

    @on(Action.request_start_transaction)
    def on_request_start_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.request_stop_transaction)
    def on_request_stop_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.get_variables)
    def on_get_variables(self, call_unique_id: str, **_: Any) -> Any:
        items = self.request(call_unique_id)["getVariableData"]
        results = [self._variable_result(item) for item in items]
        return self.answer(call_unique_id, {"getVariableResult": results})

    def _variable_result(self, item: dict[str, Any]) -> dict[str, Any]:
        variables, key = self.station.variables, _key(item)
        if item.get("attributeType", "Actual") != "Actual":
            return {"attributeStatus": "NotSupportedAttributeType", **_echo(item)}
        if key in WRITE_ONLY:
            return {"attributeStatus": "Rejected", **_echo(item)}
        if key not in variables:
            known_component = any(component == key[0] for component, _ in variables)
            status = "UnknownVariable" if known_component else "UnknownComponent"
            return {"attributeStatus": status, **_echo(item)}
        return {"attributeStatus": "Accepted", "attributeValue": variables[key], **_echo(item)}

    @on(Action.set_variables)
    def on_set_variables(self, call_unique_id: str, **_: Any) -> Any:
        items = self.request(call_unique_id)["setVariableData"]
        results = [{"attributeStatus": "Accepted", **_echo(item)} for item in items]
        answer = self.answer(call_unique_id, {"setVariableResult": results})
        for item, result in zip(items, answer.set_variable_result, strict=False):
            if result["attribute_status"] == "Accepted":
                self.station.variables[_key(item)] = item["attributeValue"]
        return answer

    @on(Action.reset)
    def on_reset(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, {"status": "Unlocked"})

    @on(Action.change_availability)
    def on_change_availability(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.trigger_message)
    def on_trigger_message(self, call_unique_id: str, **_: Any) -> Any:
        # Sending the requested message is the test's part: it knows what the station should say.
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.get_base_report)
    def on_get_base_report(self, call_unique_id: str, request_id: int, **_: Any) -> Any:
        answer = self.answer(call_unique_id, ACCEPTED)
        if answer.status == "Accepted":
            self._reports_due.add(request_id)
        return answer

    @after(Action.get_base_report)
    def after_get_base_report(self, request_id: int, **_: Any) -> None:
        # Runs once the answer is on the wire: B07 has GetBaseReportResponse before the first
        # NotifyReport. The reports go from a task: a CALL from here would deadlock the reader.
        if request_id in self._reports_due:
            self._reports_due.discard(request_id)
            self.station.start_task(send_base_report(self.station, request_id))

    @on(Action.get_transaction_status)
    def on_get_transaction_status(self, call_unique_id: str, **_: Any) -> Any:
        # E14: ongoingIndicator only when asked about one transaction.
        transaction_id = self.request(call_unique_id).get("transactionId")
        default: dict[str, Any] = {"messagesInQueue": False}
        if transaction_id is not None:
            default["ongoingIndicator"] = transaction_id in self.station.open_transactions
        return self.answer(call_unique_id, default)


async def send_base_report(station: SimulatedStation201, request_id: int) -> None:
    """The NotifyReport parts of one report (B07): seqNo from 0, tbc on every part but the last."""
    items = [report_item(key, value) for key, value in station.variables.items()]
    size = max(1, station.items_per_report)
    parts = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    for seq_no, part in enumerate(parts):
        await station.notify_report(request_id, part, seq_no=seq_no, tbc=seq_no < len(parts) - 1)
