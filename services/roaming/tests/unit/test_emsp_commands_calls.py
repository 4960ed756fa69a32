"""The commands we send a CPO and what its answers mean (OCPI 2.2.1 sections 3.6 and 6.2),
and how an operator's order becomes a command: pure parts."""

import base64
import json
from typing import Any

import pytest

from evroam_contracts.shared import OcpiToken
from evroam_roaming.adapters.admin_commands import CommandRequest, order_of
from evroam_roaming.domain.emsp_commands import TokenChoice
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.commands.models import DisplayText, InvalidCommandError
from evroam_roaming.ocpi.emsp.command_calls import (
    build_command,
    command_call,
    command_json,
    first_text,
    interpret,
    response_url,
)

RESPONSE_URL = "https://us.example/ocpi/emsp/2.2.1/commands/START_SESSION/c-1"
TOKEN = OcpiToken.model_validate(
    {
        "country_code": "NL",
        "party_id": "EVR",
        "uid": "APP1",
        "type": "APP_USER",
        "contract_id": "NL-EVR-C12345678-X",
        "issuer": "evroam",
        "valid": True,
        "whitelist": "NEVER",
        "last_updated": "2026-11-21T10:00:00.5Z",
    }
)


def reply(status_code: int, data: Any = None, message: str = "") -> bytes:
    body = {"status_code": status_code, "status_message": message, "timestamp": "x"}
    return json.dumps(body if data is None else {**body, "data": data}).encode()


def test_the_response_url_is_unique_per_command() -> None:
    base = "https://us.example/ocpi/emsp/2.2.1/commands"
    assert response_url(base, "STOP_SESSION", "c-9") == f"{base}/STOP_SESSION/c-9"


def test_a_start_session_carries_the_whole_token_and_our_response_url() -> None:
    command = build_command("START_SESSION", {"location_id": "LOC1"}, RESPONSE_URL, TOKEN)
    body = command_json(command)
    assert body["response_url"] == RESPONSE_URL
    assert body["token"]["uid"] == "APP1"
    assert body["token"]["last_updated"] == "2026-11-21T10:00:00.500Z"
    assert "evse_uid" not in body  # absent optional fields are left out


def test_a_reserve_now_sends_its_expiry_as_an_ocpi_datetime() -> None:
    fields = {"location_id": "L1", "reservation_id": "R1", "expiry_date": "2026-11-21T13:00:00Z"}
    body = command_json(build_command("RESERVE_NOW", fields, RESPONSE_URL, TOKEN))
    assert body["expiry_date"] == "2026-11-21T13:00:00Z"


@pytest.mark.parametrize(
    ("command", "fields", "reason"),
    [
        ("START_SESSION", {}, "location_id"),
        ("START_SESSION", {"location_id": "L1", "connector_id": "1"}, "connector_id needs"),
        ("STOP_SESSION", {}, "session_id"),
        ("UNLOCK_CONNECTOR", {"location_id": "L1", "evse_uid": "E1"}, "connector_id"),
        ("RESERVE_NOW", {"location_id": "L1", "reservation_id": "R1"}, "expiry_date"),
        ("SELF_DESTRUCT", {}, "unknown command"),
    ],
)
def test_an_incomplete_command_is_refused_before_it_is_sent(
    command: str, fields: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidCommandError, match=reason):
        build_command(command, fields, RESPONSE_URL, TOKEN)


def test_the_call_goes_to_the_command_below_the_receiver_with_our_token_and_routing() -> None:
    call = command_call(
        commands_url="https://cpo.example/ocpi/cpo/2.2.1/commands/",
        credentials_token="token-b",
        us=Party("NL", "EVR"),
        cpo=Party("BE", "BEC"),
        command_type="STOP_SESSION",
        body={"session_id": "S1", "response_url": RESPONSE_URL},
        request_id="req-1",
        correlation_id="c-1",
    )
    assert call.url == "https://cpo.example/ocpi/cpo/2.2.1/commands/STOP_SESSION"
    assert call.headers["Authorization"] == "Token " + base64.b64encode(b"token-b").decode()
    assert (call.headers["X-Request-ID"], call.headers["X-Correlation-ID"]) == ("req-1", "c-1")
    assert call.headers["OCPI-from-party-id"] == "EVR"
    assert call.headers["OCPI-to-party-id"] == "BEC"
    assert json.loads(call.body)["session_id"] == "S1"
    assert "token-b" not in repr(call)


def test_an_accepted_response_is_the_cpos_answer() -> None:
    answer = interpret(200, reply(1000, {"result": "ACCEPTED", "timeout": 30}))
    assert answer.response is not None
    assert (answer.response.result, answer.response.timeout, answer.detail) == (
        "ACCEPTED",
        30,
        None,
    )


def test_an_unknown_location_is_a_rejected_response_with_its_status() -> None:
    answer = interpret(200, reply(2003, {"result": "REJECTED", "timeout": 0}, "Unknown location"))
    assert answer.response is not None
    assert (answer.response.result, answer.ocpi_status) == ("REJECTED", 2003)
    assert answer.detail is not None
    assert "Unknown location" in answer.detail


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (503, b"", "HTTP 503"),
        (200, b"<html>", "without an OCPI envelope"),
        (404, b'{"detail": "Not Found"}', "without an OCPI envelope"),
        (200, reply(1000), "no CommandResponse"),
        (200, reply(1000, {"result": "MAYBE", "timeout": 30}), "result"),
        (200, reply(1000, {"result": "ACCEPTED"}), "timeout"),
        (401, reply(2000, None, "Unknown credentials token"), "OCPI 2000"),
    ],
)
def test_anything_but_a_command_response_is_no_answer(
    status: int, body: bytes, reason: str
) -> None:
    answer = interpret(status, body)
    assert answer.response is None
    assert answer.detail is not None
    assert reason in answer.detail


def test_operators_read_the_english_message() -> None:
    messages = (DisplayText(language="nl", text="Gestart"), DisplayText(language="en", text="Go"))
    assert first_text(messages) == "Go"
    assert first_text(messages[:1]) == "Gestart"
    assert first_text(()) is None


def test_an_order_names_our_token_by_uid_and_keeps_the_commands_fields() -> None:
    body = CommandRequest(
        partner_id="p-cpo",
        command="START_SESSION",
        location_id="LOC1",
        token_uid="APP1",
        token_type="APP_USER",
        token_country_code="nl",
        token_party_id="evr",
    )
    order = order_of(body)
    assert order.fields == {"location_id": "LOC1"}
    assert order.token == TokenChoice("APP1", "APP_USER", Party("NL", "EVR"))


def test_an_order_with_a_field_its_command_does_not_have_is_refused() -> None:
    body = CommandRequest(
        partner_id="p-cpo", command="STOP_SESSION", session_id="S1", location_id="L"
    )
    with pytest.raises(InvalidCommandError, match="STOP_SESSION has no location_id"):
        order_of(body)
