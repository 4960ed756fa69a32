"""The gateway's OCPP-J edge with raw frames over real WebSockets (issue: charger gateway):
both versions on one endpoint, and what each kind of bad input gets: malformed JSON, wrong
frame shapes, schema violations, unknown actions, oversized frames, unknown stations, and a
message sent twice."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from evroam_cli.client import Platform
from evroam_cli.log import about_station, eventually_logged, logged
from evroam_testing.ocpp_wire import BOOT_16, BOOT_201, answer, call, wire
from evroam_testing.stack import Stack

pytestmark = pytest.mark.flow
NewStation = Callable[..., Awaitable[str]]
FORMAT = {"ocpp1.6": "FormationViolation", "ocpp2.0.1": "FormatViolation"}


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
        (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6"),
        (["ocpp2.1", "ocpp1.6"], "ocpp1.6"),
    ],
)
async def test_one_endpoint_serves_both_versions_in_the_stations_order_of_preference(
    stack: Stack, new_station: NewStation, offered: list[str], chosen: str
) -> None:
    station_id = await new_station()
    async with websockets.connect(
        f"{stack.ocpp_url}/{station_id}", subprotocols=[Subprotocol(p) for p in offered]
    ) as ws:
        assert ws.subprotocol == chosen
        action, payload = ("BootNotification", BOOT_16 if chosen == "ocpp1.6" else BOOT_201)
        frame = await call(ws, action, payload)
        assert frame[0] == 3
        assert frame[2]["status"] == "Accepted"


async def test_a_station_offering_no_common_version_is_closed_with_1002(
    stack: Stack, new_station: NewStation
) -> None:
    station_id = await new_station()
    async with websockets.connect(
        f"{stack.ocpp_url}/{station_id}", subprotocols=[Subprotocol("ocpp1.5")]
    ) as ws:
        assert ws.subprotocol is None
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1002


async def test_an_unknown_station_is_refused_with_404_at_the_upgrade(stack: Stack) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with wire(stack.ocpp_url, f"NOBODY-{uuid.uuid4().hex[:6]}", "ocpp1.6"):
            pass
    assert refused.value.response.status_code == 404


@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
async def test_malformed_json_gets_the_versions_format_error_and_the_socket_stays_open(
    stack: Stack, new_station: NewStation, version: str
) -> None:
    station_id = await new_station()
    async with wire(stack.ocpp_url, station_id, version) as ws:
        await ws.send('[2, "m1", "Heartbeat", {')
        assert await answer(ws) == [4, "-1", FORMAT[version], "message is not valid JSON", {}]
        frame = await call(ws, "Heartbeat", {})
        assert frame[0] == 3
        assert "currentTime" in frame[2]


@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
@pytest.mark.parametrize(
    ("frame", "message_id"),
    [
        ({"action": "Heartbeat"}, "-1"),  # not an array
        ([2, "m2"], "m2"),  # too short
        ([2, 7, "Heartbeat", {}], "-1"),  # id not a string
        ([2, "m3", "Heartbeat", []], "m3"),  # payload not an object
        ([2, "x" * 37, "Heartbeat", {}], "x" * 36),  # id longer than 36
    ],
)
async def test_a_wrong_frame_shape_gets_the_versions_format_error(
    stack: Stack, new_station: NewStation, version: str, frame: object, message_id: str
) -> None:
    station_id = await new_station()
    async with wire(stack.ocpp_url, station_id, version) as ws:
        await ws.send(json.dumps(frame))
        error = await answer(ws)
        assert error[:3] == [4, message_id, FORMAT[version]]


@pytest.mark.parametrize(
    ("version", "code"),
    [("ocpp1.6", "FormationViolation"), ("ocpp2.0.1", "MessageTypeNotSupported")],
)
async def test_an_unknown_message_type_gets_an_error(
    stack: Stack, new_station: NewStation, version: str, code: str
) -> None:
    station_id = await new_station()
    async with wire(stack.ocpp_url, station_id, version) as ws:
        await ws.send(json.dumps([7, "m4", "Heartbeat", {}]))
        assert (await answer(ws))[:3] == [4, "m4", code]


@pytest.mark.parametrize(
    ("version", "action", "payload", "code"),
    [
        # required property missing
        (
            "ocpp1.6",
            "StatusNotification",
            {"connectorId": 1, "status": "Available"},
            "ProtocolError",
        ),
        # wrong type
        (
            "ocpp1.6",
            "Authorize",
            {"idTag": 12345},
            "TypeConstraintViolation",
        ),
        # unknown property: the 1.6 spelling, not the library's 2.0.1 one
        ("ocpp1.6", "Heartbeat", {"surprise": 1}, "FormationViolation"),
        ("ocpp2.0.1", "Heartbeat", {"surprise": 1}, "FormatViolation"),
        (
            "ocpp2.0.1",
            "StatusNotification",
            {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Occupied", "evseId": 1},
            "ProtocolError",
        ),
        # a value outside the enumeration
        (
            "ocpp1.6",
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Dancing"},
            "FormationViolation",
        ),
    ],
)
async def test_a_schema_violation_gets_the_matching_callerror(
    stack: Stack, new_station: NewStation, version: str, action: str, payload: dict, code: str
) -> None:
    station_id = await new_station()
    async with wire(stack.ocpp_url, station_id, version) as ws:
        frame = await call(ws, action, payload)
        assert frame[0] == 4
        assert frame[2] == code


@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
async def test_an_unknown_action_gets_not_implemented(
    stack: Stack, new_station: NewStation, version: str
) -> None:
    station_id = await new_station()
    async with wire(stack.ocpp_url, station_id, version) as ws:
        frame = await call(ws, "BrewCoffee", {"strength": 3})
        assert frame[:3] == [4, frame[1], "NotImplemented"]


async def test_an_oversized_frame_closes_the_socket_with_1009(
    stack: Stack, new_station: NewStation
) -> None:
    station_id = await new_station()
    async with wire(stack.ocpp_url, station_id, "ocpp1.6") as ws:
        vendor_data = "x" * (1024 * 1024 + 1)
        await ws.send(
            json.dumps([2, "big", "DataTransfer", {"vendorId": "v", "data": vendor_data}])
        )
        with pytest.raises(ConnectionClosed):
            await answer(ws)
        assert ws.close_code == 1009


async def test_a_call_sent_again_with_the_same_id_is_answered_the_same_and_logged_once(
    platform: Platform, stack: Stack, new_station: NewStation
) -> None:
    station_id = await new_station()
    at = now()
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Preparing", "timestamp": at}
    async with wire(stack.ocpp_url, station_id, "ocpp1.6") as ws:
        first = await call(ws, "StatusNotification", status, "same-id")
        again = await call(ws, "StatusNotification", status, "same-id")
        assert first == again == [3, "same-id", {}]
        await call(ws, "StatusNotification", {**status, "status": "Available"}, "next-id")
    statuses = await eventually_logged(
        platform, "gateway", about_station(station_id, "station.status_changed"), 2
    )
    assert [e.payload["status"] for e in statuses] == ["PREPARING", "AVAILABLE"]


async def test_a_start_transaction_sent_again_under_a_new_id_gets_the_same_transaction(
    platform: Platform, stack: Stack, new_station: NewStation, provisioned: tuple
) -> None:
    sc, _ = provisioned
    station_id = await new_station()
    start = {"connectorId": 1, "idTag": sc.token_uid, "meterStart": 1000, "timestamp": now()}
    async with wire(stack.ocpp_url, station_id, "ocpp1.6") as ws:
        first = await call(ws, "StartTransaction", start)
        again = await call(ws, "StartTransaction", start)
    assert first[2] == again[2]
    assert first[2]["idTagInfo"]["status"] == "Accepted"
    await eventually_logged(
        platform, "gateway", about_station(station_id, "station.transaction_started")
    )
    started = await logged(
        platform, "gateway", about_station(station_id, "station.transaction_started")
    )
    assert [e.payload["transaction_id"] for e in started] == [str(first[2]["transactionId"])]
