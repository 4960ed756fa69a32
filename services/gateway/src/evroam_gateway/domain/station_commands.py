"""CSMS-initiated commands across OCPP versions. Pure.

Senders (the roaming service starting a session for a partner, an operator) name commands in
OCPP 1.6 words; for a 2.0.1 station the eight that have an equivalent (Remote Start/Stop
Transaction, Reset, UnlockConnector, ChangeAvailability, TriggerMessage, ReserveNow,
CancelReservation) are translated, so no service needs to know a station's version.
Arguments use the `ocpp` library's snake_case keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_args

from evroam_contracts.gateway import StationAction

# The contract lists every action a sender may name; the 2.0.1-only ones are not 1.6's.
V201_ONLY = frozenset(
    {
        "RequestStartTransaction",
        "RequestStopTransaction",
        "GetVariables",
        "SetVariables",
        "GetBaseReport",
    }
)
V16_ACTIONS = frozenset(get_args(StationAction)) - V201_ONLY
V201_ACTIONS = frozenset(
    {
        "RequestStartTransaction",
        "RequestStopTransaction",
        "GetVariables",
        "SetVariables",
        "Reset",
        "UnlockConnector",
        "ChangeAvailability",
        "SetChargingProfile",
        "TriggerMessage",
        "GetBaseReport",
        "DataTransfer",
    }
)
# Answers whose status means the station took the command (the rest: rejected).
ACCEPTING = frozenset({"Accepted", "Unlocked", "Scheduled", "RebootRequired"})


class CommandNotSupportedError(ValueError):
    """The station's OCPP version has no such command, nor a translation of it."""


def _remote_start(a: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # OCPP 2.0.1 F01: remoteStartId is ours to pick; evseId takes the 1.6 connectorId
    # (a one-connector EVSE per 1.6 connector, the common mapping).
    args: dict[str, Any] = {
        "id_token": {"id_token": a["id_tag"], "type": a.get("id_token_type", "ISO14443")},
        "remote_start_id": int(a.get("remote_start_id", 1)),
    }
    if a.get("connector_id"):
        args["evse_id"] = int(a["connector_id"])
    return "RequestStartTransaction", args


def _reserve(a: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # OCPP 2.0.1 H01: the reservation's id, end, token and (optional) EVSE.
    args: dict[str, Any] = {
        "id": int(a["reservation_id"]),
        "expiry_date_time": a["expiry_date"],
        "id_token": {"id_token": a["id_tag"], "type": a.get("id_token_type", "ISO14443")},
    }
    if a.get("connector_id"):
        args["evse_id"] = int(a["connector_id"])
    if a.get("parent_id_tag"):
        args["group_id_token"] = {"id_token": a["parent_id_tag"], "type": "Central"}
    return "ReserveNow", args


def _reset(a: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if a.get("type") not in ("Hard", "Soft"):
        return "Reset", dict(a)  # already 2.0.1: Immediate / OnIdle
    return "Reset", {"type": "Immediate" if a.get("type") == "Hard" else "OnIdle"}


def _unlock(a: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if "evse_id" in a:
        return "UnlockConnector", dict(a)
    return "UnlockConnector", {"evse_id": int(a["connector_id"]), "connector_id": 1}


def _availability(a: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if "operational_status" in a:
        return "ChangeAvailability", dict(a)
    args: dict[str, Any] = {"operational_status": a["type"]}
    if int(a.get("connector_id", 0)):
        args["evse"] = {"id": int(a["connector_id"])}
    return "ChangeAvailability", args


# 1.6 TriggerMessage words with a 2.0.1 MessageTriggerEnumType equivalent (the rest have none).
_TRIGGERS_201 = {
    "BootNotification": "BootNotification",
    "Heartbeat": "Heartbeat",
    "MeterValues": "MeterValues",
    "StatusNotification": "StatusNotification",
    "FirmwareStatusNotification": "FirmwareStatusNotification",
    "DiagnosticsStatusNotification": "LogStatusNotification",
    "LogStatusNotification": "LogStatusNotification",
    "TransactionEvent": "TransactionEvent",
}


def _trigger(a: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    args = {k: v for k, v in a.items() if k != "connector_id"}
    args["requested_message"] = _TRIGGERS_201[a["requested_message"]]
    if a.get("connector_id"):
        args["evse"] = {"id": int(a["connector_id"])}
    return "TriggerMessage", args


_TO_V201: dict[str, Callable[[Mapping[str, Any]], tuple[str, dict[str, Any]]]] = {
    "RemoteStartTransaction": _remote_start,
    "RemoteStopTransaction": lambda a: (
        "RequestStopTransaction",
        {"transaction_id": str(a["transaction_id"])},
    ),
    "Reset": _reset,
    "UnlockConnector": _unlock,
    "ChangeAvailability": _availability,
    "TriggerMessage": _trigger,
    "ReserveNow": _reserve,
    "CancelReservation": lambda a: ("CancelReservation", {"reservation_id": a["reservation_id"]}),
}
# Arguments only a 2.0.1 translation reads (the token's type); a 1.6 station is not sent them.
_V201_HINTS = frozenset({"id_token_type", "remote_start_id"})


def for_version(
    version: str, action: str, arguments: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The action and arguments to send to a station speaking `version`."""
    if version == "1.6":
        if action not in V16_ACTIONS:
            raise CommandNotSupportedError(f"{action} is not an OCPP 1.6 command")
        return action, {k: v for k, v in arguments.items() if k not in _V201_HINTS}
    if action in _TO_V201:
        try:
            return _TO_V201[action](arguments)
        except (KeyError, ValueError, TypeError) as exc:
            raise CommandNotSupportedError(f"{action}: cannot translate {exc!r}") from exc
    if action in V201_ACTIONS:
        return action, dict(arguments)
    raise CommandNotSupportedError(f"{action} has no OCPP 2.0.1 equivalent")


def outcome_of(response: Mapping[str, Any]) -> str:
    """accepted or rejected, from the answer's status (answers without one are accepted:
    e.g. 1.6 GetConfiguration, UpdateFirmware)."""
    status = response.get("status")
    if status is None:
        return "accepted"
    return "accepted" if status in ACCEPTING else "rejected"
