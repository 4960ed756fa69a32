"""CSMS-initiated commands named in OCPP 1.6 words, sent to 1.6 stations as they are and
translated for 2.0.1 stations; every argument dict produced must build the `ocpp` library's
payload and pass its bundled JSON schema, as `ChargePoint.call` would check before sending."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ocpp.v16.call
import ocpp.v201.call
import pytest
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.messages import MessageType, get_validator

from evroam_gateway.domain.station_commands import (
    CommandNotSupportedError,
    for_version,
    outcome_of,
)

V16, V201 = "1.6", "2.0.1"


def on_the_wire(version: str, action: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The camelCase payload the library would send, after its schema check."""
    module = ocpp.v16.call if version == V16 else ocpp.v201.call
    payload = getattr(module, action)(**arguments)
    wire: dict[str, Any] = remove_nones(snake_to_camel_case(serialize_as_dict(payload)))
    get_validator(MessageType.Call, action, version).validate(wire)
    return wire


def sent(version: str, action: str, arguments: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """What `for_version` produces, after checking the library accepts it."""
    action, args = for_version(version, action, arguments)
    on_the_wire(version, action, args)
    return action, args


# --- OCPP 1.6 stations -------------------------------------------------------------------


V16_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("RemoteStartTransaction", {"id_tag": "04A2B3C4", "connector_id": 1}),
    ("RemoteStopTransaction", {"transaction_id": 42}),
    ("UnlockConnector", {"connector_id": 2}),
    ("Reset", {"type": "Soft"}),
    ("ChangeAvailability", {"connector_id": 0, "type": "Inoperative"}),
    ("TriggerMessage", {"requested_message": "StatusNotification", "connector_id": 1}),
    ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "300"}),
    ("ClearCache", {}),
    ("GetLocalListVersion", {}),
    ("CancelReservation", {"reservation_id": 7}),
    ("DataTransfer", {"vendor_id": "com.example", "message_id": "ping"}),
]


@pytest.mark.parametrize(("action", "arguments"), V16_COMMANDS, ids=[a for a, _ in V16_COMMANDS])
def test_a_16_command_goes_to_a_16_station_as_it_was_given(
    action: str, arguments: dict[str, Any]
) -> None:
    assert sent(V16, action, arguments) == (action, arguments)


def test_the_arguments_sent_are_a_copy_of_the_senders() -> None:
    given = {"connector_id": 2}

    _, args = for_version(V16, "UnlockConnector", given)
    args["connector_id"] = 3

    assert given == {"connector_id": 2}


@pytest.mark.parametrize(
    "action", ["RequestStartTransaction", "RequestStopTransaction", "GetVariables", "Nonsense"]
)
def test_a_command_that_is_not_16_is_refused_for_a_16_station(action: str) -> None:
    with pytest.raises(CommandNotSupportedError, match=action):
        for_version(V16, action, {})


# --- OCPP 2.0.1 stations: translations ---------------------------------------------------


def test_a_remote_start_becomes_a_request_start_on_the_connectors_evse() -> None:
    # OCPP 2.0.1 F01
    given = {"id_tag": "04A2B3C4", "connector_id": 2, "remote_start_id": 7}

    assert sent(V201, "RemoteStartTransaction", given) == (
        "RequestStartTransaction",
        {
            "id_token": {"id_token": "04A2B3C4", "type": "ISO14443"},
            "remote_start_id": 7,
            "evse_id": 2,
        },
    )
    assert on_the_wire(V201, *for_version(V201, "RemoteStartTransaction", given)) == {
        "idToken": {"idToken": "04A2B3C4", "type": "ISO14443"},
        "remoteStartId": 7,
        "evseId": 2,
    }


@pytest.mark.parametrize("given", [{"id_tag": "ABC"}, {"id_tag": "ABC", "connector_id": 0}])
def test_a_remote_start_without_a_connector_lets_the_station_choose_the_evse(
    given: dict[str, Any],
) -> None:
    _, args = sent(V201, "RemoteStartTransaction", given)

    assert "evse_id" not in args
    assert args["remote_start_id"] == 1


def test_a_remote_start_carries_the_token_type_it_was_given() -> None:
    given = {"id_tag": "NL-EVR-C12345678-X", "id_token_type": "eMAID", "remote_start_id": "9"}

    _, args = sent(V201, "RemoteStartTransaction", given)

    assert args["id_token"] == {"id_token": "NL-EVR-C12345678-X", "type": "eMAID"}
    assert args["remote_start_id"] == 9


@pytest.mark.parametrize("transaction_id", [42, "42"])
def test_a_remote_stop_becomes_a_request_stop_with_a_string_transaction_id(
    transaction_id: int | str,
) -> None:
    # OCPP 2.0.1 F03
    assert sent(V201, "RemoteStopTransaction", {"transaction_id": transaction_id}) == (
        "RequestStopTransaction",
        {"transaction_id": "42"},
    )


@pytest.mark.parametrize(("v16", "v201"), [("Hard", "Immediate"), ("Soft", "OnIdle")])
def test_a_16_reset_becomes_its_201_kind(v16: str, v201: str) -> None:
    assert sent(V201, "Reset", {"type": v16}) == ("Reset", {"type": v201})


@pytest.mark.parametrize(
    "given", [{"type": "Immediate"}, {"type": "OnIdle"}, {"type": "OnIdle", "evse_id": 1}]
)
def test_a_201_shaped_reset_is_sent_as_it_was_given(given: dict[str, Any]) -> None:
    assert sent(V201, "Reset", given) == ("Reset", given)


def test_unlocking_a_16_connector_unlocks_the_first_connector_of_that_evse() -> None:
    assert sent(V201, "UnlockConnector", {"connector_id": 2}) == (
        "UnlockConnector",
        {"evse_id": 2, "connector_id": 1},
    )


def test_a_201_shaped_unlock_is_sent_as_it_was_given() -> None:
    given = {"evse_id": 1, "connector_id": 2}

    assert sent(V201, "UnlockConnector", given) == ("UnlockConnector", given)


@pytest.mark.parametrize(
    "given", [{"connector_id": 0, "type": "Inoperative"}, {"type": "Inoperative"}]
)
def test_changing_the_availability_of_connector_zero_changes_the_whole_station(
    given: dict[str, Any],
) -> None:
    assert sent(V201, "ChangeAvailability", given) == (
        "ChangeAvailability",
        {"operational_status": "Inoperative"},
    )


def test_changing_the_availability_of_a_connector_changes_its_evse() -> None:
    assert sent(V201, "ChangeAvailability", {"connector_id": 2, "type": "Operative"}) == (
        "ChangeAvailability",
        {"operational_status": "Operative", "evse": {"id": 2}},
    )


def test_a_201_shaped_availability_change_is_sent_as_it_was_given() -> None:
    given = {"operational_status": "Inoperative", "evse": {"id": 1, "connector_id": 1}}

    assert sent(V201, "ChangeAvailability", given) == ("ChangeAvailability", given)


def test_a_trigger_for_a_connector_becomes_a_trigger_for_its_evse() -> None:
    given = {"requested_message": "StatusNotification", "connector_id": 2}

    assert sent(V201, "TriggerMessage", given) == (
        "TriggerMessage",
        {"requested_message": "StatusNotification", "evse": {"id": 2}},
    )


@pytest.mark.parametrize(
    "given",
    [{"requested_message": "Heartbeat"}, {"requested_message": "Heartbeat", "connector_id": 0}],
)
def test_a_trigger_without_a_connector_is_for_the_whole_station(given: dict[str, Any]) -> None:
    assert sent(V201, "TriggerMessage", given) == (
        "TriggerMessage",
        {"requested_message": "Heartbeat"},
    )


def test_a_16_diagnostics_trigger_becomes_a_201_log_status_trigger() -> None:
    given = {"requested_message": "DiagnosticsStatusNotification", "connector_id": 1}
    action, args = for_version(V201, "TriggerMessage", given)
    assert args == {"requested_message": "LogStatusNotification", "evse": {"id": 1}}
    on_the_wire(V201, action, args)


@pytest.mark.parametrize(
    ("action", "given"),
    [
        ("RemoteStartTransaction", {"connector_id": 1}),
        ("RemoteStartTransaction", {"id_tag": "ABC", "remote_start_id": "first"}),
        ("RemoteStopTransaction", {}),
        ("UnlockConnector", {}),
        ("UnlockConnector", {"connector_id": "two"}),
        ("ChangeAvailability", {"connector_id": 1}),
        ("ChangeAvailability", {"connector_id": "two", "type": "Operative"}),
    ],
)
def test_a_command_whose_arguments_cannot_be_translated_is_refused(
    action: str, given: dict[str, Any]
) -> None:
    with pytest.raises(CommandNotSupportedError, match="cannot translate"):
        for_version(V201, action, given)


# --- OCPP 2.0.1 stations: native commands and refusals -----------------------------------


V201_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    (
        "RequestStartTransaction",
        {"id_token": {"id_token": "ABC", "type": "Central"}, "remote_start_id": 3},
    ),
    ("RequestStopTransaction", {"transaction_id": "tx-1"}),
    (
        "GetVariables",
        {
            "get_variable_data": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
            ]
        },
    ),
    (
        "SetVariables",
        {
            "set_variable_data": [
                {
                    "attribute_value": "300",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
    ),
    ("GetBaseReport", {"request_id": 1, "report_base": "FullInventory"}),
    ("DataTransfer", {"vendor_id": "com.example"}),
]


@pytest.mark.parametrize(("action", "arguments"), V201_COMMANDS, ids=[a for a, _ in V201_COMMANDS])
def test_a_201_command_goes_to_a_201_station_as_it_was_given(
    action: str, arguments: dict[str, Any]
) -> None:
    assert sent(V201, action, arguments) == (action, arguments)


@pytest.mark.parametrize(
    "action", ["GetConfiguration", "ChangeConfiguration", "GetDiagnostics", "Nonsense"]
)
def test_a_16_only_command_is_refused_for_a_201_station(action: str) -> None:
    with pytest.raises(CommandNotSupportedError, match=r"no OCPP 2\.0\.1 equivalent"):
        for_version(V201, action, {"key": ["HeartbeatInterval"]})


# --- answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "outcome"),
    [
        ({"status": "Accepted"}, "accepted"),
        ({"status": "Unlocked"}, "accepted"),
        ({"status": "Scheduled"}, "accepted"),
        ({"status": "RebootRequired"}, "accepted"),
        ({"status": "Rejected"}, "rejected"),
        ({"status": "UnlockFailed"}, "rejected"),
        ({"status": "NotSupported"}, "rejected"),
        ({"status": "UnknownMessageId"}, "rejected"),
        ({"configuration_key": [], "unknown_key": ["Foo"]}, "accepted"),
        ({}, "accepted"),
    ],
    ids=str,
)
def test_an_answer_is_accepted_only_when_its_status_says_the_station_took_it(
    response: dict[str, Any], outcome: str
) -> None:
    assert outcome_of(response) == outcome


def test_hints_for_a_201_translation_are_not_sent_to_a_16_station() -> None:
    # The roaming service names the token's type for 2.0.1; OCPP 1.6 knows only the id tag.
    given = {"id_tag": "APP-1", "connector_id": 1, "id_token_type": "Central"}

    assert sent(V16, "RemoteStartTransaction", given) == (
        "RemoteStartTransaction",
        {"id_tag": "APP-1", "connector_id": 1},
    )


def test_a_reservation_becomes_a_201_reservation_on_the_connectors_evse() -> None:
    # OCPP 2.0.1 H01; connector 0 (any) leaves the EVSE to the station.
    given = {
        "connector_id": 2,
        "expiry_date": "2026-11-21T11:00:00+00:00",
        "id_tag": "04A2B3C4",
        "reservation_id": 17,
        "parent_id_tag": "G-1",
    }

    assert sent(V201, "ReserveNow", given) == (
        "ReserveNow",
        {
            "id": 17,
            "expiry_date_time": "2026-11-21T11:00:00+00:00",
            "id_token": {"id_token": "04A2B3C4", "type": "ISO14443"},
            "evse_id": 2,
            "group_id_token": {"id_token": "G-1", "type": "Central"},
        },
    )
    _, any_evse = sent(V201, "ReserveNow", {**given, "connector_id": 0})
    assert "evse_id" not in any_evse
    assert sent(V201, "CancelReservation", {"reservation_id": 17}) == (
        "CancelReservation",
        {"reservation_id": 17},
    )
