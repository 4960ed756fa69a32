"""CSMS-initiated commands through `evroam.gateway.commands` (issue: charger gateway): every
OCPP 1.6 and 2.0.1 command reaches a real `ocpp` station over its WebSocket and its outcome is
logged; 1.6-worded commands are translated for 2.0.1 stations; a disconnected station fails at
once, a silent one times out, and a station held by another gateway replica still gets it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from evroam_cli.client import Platform
from evroam_cli.log import logged
from evroam_cli.station_commands import command_outcome, send_station_command
from evroam_testing.gateway_replica import GatewayReplica, gateway_replica
from evroam_testing.stack import Stack
from evroam_testing.station import SimulatedStation16
from evroam_testing.station201 import SimulatedStation201

pytestmark = pytest.mark.flow
NewStation = Callable[..., Awaitable[str]]
SOON = (datetime.now(UTC) + timedelta(days=1)).isoformat()
SCHEDULE_16 = {
    "charging_profile_id": 1,
    "stack_level": 0,
    "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": {
        "charging_rate_unit": "A",
        "charging_schedule_period": [{"start_period": 0, "limit": 16}],
    },
}
COMMANDS_16: dict[str, dict[str, Any]] = {
    "RemoteStartTransaction": {"id_tag": "RFID1", "connector_id": 1},
    "RemoteStopTransaction": {"transaction_id": 1},
    "UnlockConnector": {"connector_id": 1},
    "Reset": {"type": "Soft"},
    "ChangeAvailability": {"connector_id": 0, "type": "Inoperative"},
    "TriggerMessage": {"requested_message": "Heartbeat"},
    "GetConfiguration": {"key": ["HeartbeatInterval"]},
    "ChangeConfiguration": {"key": "HeartbeatInterval", "value": "60"},
    "ClearCache": {},
    "SendLocalList": {
        "list_version": 1,
        "update_type": "Full",
        "local_authorization_list": [{"id_tag": "RFID1", "id_tag_info": {"status": "Accepted"}}],
    },
    "GetLocalListVersion": {},
    "SetChargingProfile": {"connector_id": 1, "cs_charging_profiles": SCHEDULE_16},
    "ClearChargingProfile": {"id": 1},
    "GetCompositeSchedule": {"connector_id": 1, "duration": 3600},
    "ReserveNow": {
        "connector_id": 1,
        "expiry_date": SOON,
        "id_tag": "RFID1",
        "reservation_id": 7,
    },
    "CancelReservation": {"reservation_id": 7},
    "UpdateFirmware": {"location": "https://firmware.example/v2.bin", "retrieve_date": SOON},
    "GetDiagnostics": {"location": "ftp://diagnostics.example/upload"},
    "DataTransfer": {"vendor_id": "evroam", "message_id": "ping", "data": "hello"},
}
HEARTBEAT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
COMMANDS_201: dict[str, dict[str, Any]] = {
    "RequestStartTransaction": {
        "id_token": {"id_token": "RFID1", "type": "ISO14443"},
        "remote_start_id": 1,
        "evse_id": 1,
    },
    "RequestStopTransaction": {"transaction_id": "tx-1"},
    "GetVariables": {"get_variable_data": [HEARTBEAT]},
    "SetVariables": {"set_variable_data": [{**HEARTBEAT, "attribute_value": "60"}]},
    "Reset": {"type": "OnIdle"},
    "UnlockConnector": {"evse_id": 1, "connector_id": 1},
    "ChangeAvailability": {"operational_status": "Inoperative"},
    "SetChargingProfile": {
        "evse_id": 1,
        "charging_profile": {
            "id": 1,
            "stack_level": 0,
            "charging_profile_purpose": "TxDefaultProfile",
            "charging_profile_kind": "Absolute",
            "charging_schedule": [
                {
                    "id": 1,
                    "charging_rate_unit": "A",
                    "charging_schedule_period": [{"start_period": 0, "limit": 16}],
                }
            ],
        },
    },
    "TriggerMessage": {"requested_message": "Heartbeat"},
    "GetBaseReport": {"request_id": 1, "report_base": "FullInventory"},
    "DataTransfer": {"vendor_id": "evroam"},
}


async def outcomes(p: Platform, command_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Every command's outcome, waited for together (one log read per poll)."""
    wanted = set(command_ids)
    found: dict[str, dict[str, Any]] = {}

    async def probe() -> dict[str, dict[str, Any]] | None:
        done = await logged(
            p,
            "gateway",
            lambda e: e.type == "station.command_completed" and e.payload["command_id"] in wanted,
        )
        found.update({e.payload["command_id"]: e.payload for e in done})
        return found if set(found) == wanted else None

    try:
        return await p.eventually(f"outcomes of {len(wanted)} commands", "gateway", probe, 60)
    except TimeoutError as exc:
        seen = sorted((r["action"], r["outcome"]) for r in found.values())
        raise AssertionError(f"{len(wanted - set(found))} outcomes missing; seen {seen}") from exc


async def send_all(
    stack: Stack, station_id: str, commands: dict[str, dict[str, Any]]
) -> dict[str, str]:
    bootstrap = stack.infra.kafka_bootstrap_servers
    ids = {}
    for action, arguments in commands.items():
        ids[action] = await send_station_command(bootstrap, station_id, action, arguments)
    return ids


async def test_every_16_command_reaches_a_16_station_and_its_outcome_is_logged(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        assert await cs.boot() == "Accepted"
        ids = await send_all(stack, station_id, COMMANDS_16)
        results = await outcomes(platform, list(ids.values()))
        for action, command_id in ids.items():
            result = results[command_id]
            assert (result["action"], result["outcome"]) == (action, "accepted"), result
            assert result["ocpp_version"] == "1.6"
        assert [a for a, _ in cs.received] == list(COMMANDS_16)
    reserve = dict(cs.received)["ReserveNow"]
    assert (reserve["idTag"], reserve["reservationId"]) == ("RFID1", 7)


async def test_every_201_command_reaches_a_201_station_and_16_words_are_translated(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    translated = {
        "RemoteStartTransaction": {"id_tag": "RFID9", "connector_id": 1},
        "RemoteStopTransaction": {"transaction_id": "tx-9"},
    }
    async with SimulatedStation201(stack.ocpp_url, station_id) as cs:
        assert await cs.boot() == "Accepted"
        ids = await send_all(stack, station_id, COMMANDS_201)
        ids16 = await send_all(stack, station_id, translated)
        results = await outcomes(platform, [*ids.values(), *ids16.values()])
        by_action = {results[i]["action"]: results[i] for i in [*ids.values(), *ids16.values()]}
        # The simulated station implements no DataTransfer: the CALLERROR is the outcome.
        refused = by_action.pop("DataTransfer")
        assert (refused["outcome"], refused["response"]) == (
            "call_error",
            {"code": "NotImplemented"},
        )
        assert {r["outcome"] for r in by_action.values()} == {"accepted"}
        received = [a for a, _ in cs.received]
        sent = [a for a in COMMANDS_201 if a != "DataTransfer"]
        assert received == [*sent, "RequestStartTransaction", "RequestStopTransaction"]
        start = cs.received[-2][1]
        assert start["idToken"] == {"idToken": "RFID9", "type": "ISO14443"}
        assert start["evseId"] == 1
        assert cs.received[-1][1] == {"transactionId": "tx-9"}
        variables = results[ids["GetVariables"]]["response"]["get_variable_result"]
        assert variables[0]["attribute_status"] == "Accepted"
    # GetBaseReport is answered, then the station sends its NotifyReport.
    reports = await logged(
        platform,
        "gateway",
        lambda e: (
            e.type == "station.notified"
            and e.payload["station_id"] == station_id
            and e.payload["action"] == "NotifyReport"
        ),
    )
    assert reports
    assert reports[0].payload["detail"]["requestId"] == 1


async def test_a_command_for_a_station_that_is_not_connected_fails_at_once(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    command_id = await send_station_command(
        stack.infra.kafka_bootstrap_servers, station_id, "Reset", {"type": "Hard"}
    )
    result = await command_outcome(platform, command_id)
    assert result["outcome"] == "not_connected"
    assert station_id in result["reason"]


async def test_a_station_that_does_not_answer_gives_a_timed_out_outcome(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    async with SimulatedStation16(stack.ocpp_url, station_id, silent={"Reset"}) as cs:
        await cs.boot()
        command_id = await send_station_command(
            stack.infra.kafka_bootstrap_servers,
            station_id,
            "Reset",
            {"type": "Hard"},
            expires_in_s=3,
        )
        result = await command_outcome(platform, command_id)
    assert result["outcome"] == "timed_out"


async def test_a_command_the_station_refuses_is_rejected_with_its_answer(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    refusal = {"status": "Rejected"}
    async with SimulatedStation16(stack.ocpp_url, station_id, answers={"Reset": refusal}) as cs:
        await cs.boot()
        command_id = await send_station_command(
            stack.infra.kafka_bootstrap_servers, station_id, "Reset", {"type": "Soft"}
        )
        result = await command_outcome(platform, command_id)
    assert (result["outcome"], result["response"]) == ("rejected", {"status": "Rejected"})


@pytest.fixture(scope="module")
async def second_replica(stack: Stack, evroam_log_dir: Path) -> AsyncIterator[GatewayReplica]:
    async with gateway_replica(stack, "gateway-b", evroam_log_dir) as replica:
        yield replica


def ids_covering_every_partition(prefix: str, partitions: int = 4) -> list[str]:
    """Station ids whose command keys land on each partition of the commands topic, so
    whichever replica owns which partitions, some command must cross between replicas."""
    partitioner, chosen, n = DefaultPartitioner(), {}, 0
    while len(chosen) < partitions:
        station_id = f"{prefix}-{n}"
        p = partitioner(f"station-{station_id}".encode(), list(range(partitions)), None)
        chosen.setdefault(p, station_id)
        n += 1
    return list(chosen.values())


async def test_a_command_reaches_the_station_whichever_replica_holds_its_socket(
    stack: Stack, platform: Platform, new_station: NewStation, second_replica: GatewayReplica
) -> None:
    model = await platform.found("gateway", f"/stations/{await new_station()}")
    here, there = [], []
    for station_id in ids_covering_every_partition(f"X{model['station_id'][-6:]}A"):
        here.append(await _register(platform, station_id, model))
    for station_id in ids_covering_every_partition(f"X{model['station_id'][-6:]}B"):
        there.append(await _register(platform, station_id, model))
    stations = [SimulatedStation16(stack.ocpp_url, s) for s in here]
    stations += [SimulatedStation16(second_replica.ocpp_url, s) for s in there]
    for cs in stations:
        await cs.__aenter__()
        await cs.boot()  # answered only once its socket is on record (station_connections)
    try:
        ids = [
            await send_station_command(
                stack.infra.kafka_bootstrap_servers, cs.station_id, "ClearCache", {}
            )
            for cs in stations
        ]
        results = await outcomes(platform, ids)
    finally:
        await asyncio.gather(*(cs.__aexit__(None, None, None) for cs in stations))
    assert {r["outcome"] for r in results.values()} == {"accepted"}
    assert all(cs.received == [("ClearCache", {})] for cs in stations)
    # Each station's outcome was decided by the replica holding its socket.
    deciders = {results[i]["station_id"]: results[i]["replica"] for i in ids}
    assert {deciders[s] for s in there} == {second_replica.instance_id}
    assert second_replica.instance_id not in {deciders[s] for s in here}


async def _register(p: Platform, station_id: str, model: dict[str, Any]) -> str:
    """A station like `model` (same location and EVSE layout) under another id."""
    body = {"station_id": station_id, "location_id": model["location_id"], "evses": model["evses"]}
    await p.register_station(body)
    path = f"/stations/{station_id}"
    await p.eventually(f"{station_id} registered", "gateway", lambda: p.found("gateway", path))
    return station_id
