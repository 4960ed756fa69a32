"""Commands from eMSPs to us as CPO (OCPI 2.2.1 section 13) through the real app on a real
port: a command becomes a station command on the real broker's `evroam.gateway.commands`,
the station's outcome a CommandResult pushed to the partner's real response_url; what a
command may not do is refused at once, and every kind of bad request says why."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.gateway import (
    Connector,
    Evse,
    LocationRegistered,
    StationCommandCompleted,
    StationRegistered,
)
from evroam_contracts.shared import GeoLocation
from evroam_contracts.topics import GATEWAY_COMMANDS
from evroam_messaging import Producer
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.push import Pusher
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.session_events import started

Feed = Callable[..., Awaitable[Any]]
AT = "2024-05-01T08:00:00Z"


@pytest.fixture
async def producer(kafka: str) -> AsyncIterator[Producer]:
    producer = Producer(kafka, "roaming-commands-it")
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
async def station_commands(kafka: str) -> AsyncIterator[Callable[[str], Awaitable[dict[str, Any]]]]:
    """What reaches the gateway: the command with a given id, read off the real topic from
    where it ended before the test."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    partitions = [TopicPartition(GATEWAY_COMMANDS, p) for p in await _partitions(consumer)]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for tp in partitions:  # resolve the end offsets now, before anything is sent
        await consumer.position(tp)
    seen: dict[str, dict[str, Any]] = {}

    async def command(command_id: str) -> dict[str, Any]:
        async with asyncio.timeout(10):
            while command_id not in seen:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for r in records:
                        payload = json.loads(r.value)
                        seen[payload["command_id"]] = {"payload": payload, "key": r.key}
        return seen[command_id]

    yield command
    await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer) -> set[int]:
    async with asyncio.timeout(10):
        while not (found := consumer.partitions_for_topic(GATEWAY_COMMANDS)):
            await consumer.topics()  # refreshes the metadata
            await asyncio.sleep(0.1)
    return found


@pytest.fixture
async def cpo(
    serve_roaming: Any, pool: AsyncConnectionPool, database_url: str, producer: Producer
) -> AsyncIterator[Any]:
    async with serve_roaming(pool, database_url, producer) as served:
        yield served


@pytest.fixture
async def emsp(cpo: Any) -> AsyncIterator[Callable[..., Awaitable[OcpiPartner]]]:
    async with contextlib.AsyncExitStack() as stack:

        async def connect(cc: str = "DE", pid: str = "TNM", role: str = "EMSP") -> OcpiPartner:
            partner = await stack.enter_async_context(OcpiPartner(cc, pid))
            await partner.register(cpo.versions_url, await cpo.admit(cc, pid, role))
            return partner

        yield connect


@pytest.fixture
async def site(feed: Feed) -> None:
    """Location LOC1 with station CS1: EVSE 3256 (OCPI connectors 1, 2 = OCPP 1, 2) and EVSE
    3257 (connector 1 = OCPP 3)."""
    location = LocationRegistered(
        location_id="LOC1",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        country="BEL",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        time_zone="Europe/Brussels",
        country_code="BE",
        party_id="BEC",
    )
    await feed(location, stream="location-LOC1", version=1, at=AT)
    evses = (_evse("3256", ("1", 1), ("2", 2)), _evse("3257", ("1", 3)))
    station = StationRegistered(station_id="CS1", location_id="LOC1", evses=evses)
    await feed(station, stream="station-CS1", version=1, at=AT)


def _evse(uid: str, *connectors: tuple[str, int]) -> Evse:
    return Evse(
        evse_uid=uid,
        evse_id=f"BE*BEC*E{uid}",
        connectors=tuple(Connector(connector_id=c, ocpp_connector_id=n) for c, n in connectors),
    )


@pytest.fixture
async def pusher(pool: AsyncConnectionPool) -> AsyncIterator[Pusher]:
    policy = PushPolicy(max_attempts=2, backoff_s=1)
    async with httpx.AsyncClient() as http:
        later = datetime.now(UTC) + timedelta(seconds=30)  # what is queued is due
        yield Pusher(pool, http, Party("NL", "EVR"), policy, timeout_s=5, clock=lambda: later)


def start_body(partner: OcpiPartner, **fields: Any) -> tuple[dict[str, Any], str]:
    url, uid = partner.response_url("START_SESSION")
    body = {
        "response_url": url,
        "token": partner.token("04A1B2C3", "APP_USER"),
        "location_id": "LOC1",
        "evse_uid": "3257",
        "authorization_reference": "ref-0001",
        **fields,
    }
    return body, uid


async def send(partner: OcpiPartner, command: str, body: Any) -> httpx.Response:
    url = partner.our_endpoints[("commands", "RECEIVER")] + command
    if isinstance(body, bytes):
        return await partner.request("POST", url, content=body)
    return await partner.request("POST", url, json=body)


async def events(pool: AsyncConnectionPool, type_: str) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload FROM events WHERE type = %s ORDER BY position", (type_,)
        )
        return [row[0] for row in await cur.fetchall()]


async def test_start_session_reaches_the_station_and_its_result_the_response_url(
    emsp: Any, site: None, station_commands: Any, feed: Feed, pusher: Pusher, pool: Any
) -> None:
    partner = await emsp()
    body, uid = start_body(partner)

    answer = await send(partner, "START_SESSION", body)

    assert answer.status_code == 200
    assert answer.json()["status_code"] == 1000
    assert answer.json()["data"] == {"result": "ACCEPTED", "timeout": 60, "message": []}
    assert answer.headers["OCPI-to-party-id"] == "TNM"
    [received] = await events(pool, "roaming.command_received")
    command = (await station_commands(received["command_id"]))["payload"]
    assert command["station_id"] == "CS1"
    assert command["action"] == "RemoteStartTransaction"
    # EVSE 3257's connector is the station's OCPP connector 3.
    assert command["arguments"] == {
        "id_tag": "04A1B2C3",
        "id_token_type": "Central",
        "connector_id": 3,
    }
    assert received["token"]["uid"] == "04A1B2C3"
    assert received["authorization_reference"] == "ref-0001"
    assert (received["evse_uid"], received["connector_id"]) == ("3257", "1")
    until = datetime.fromisoformat(received["valid_until"]) - datetime.fromisoformat(
        received["received_at"]
    )
    assert until == timedelta(minutes=15)

    done = StationCommandCompleted(
        command_id=received["command_id"],
        station_id="CS1",
        action="RemoteStartTransaction",
        outcome="accepted",
        response={"status": "Accepted"},
    )
    await feed(done, stream=f"command-{received['command_id']}", version=1, at=AT)
    await feed(done, stream=f"command-{received['command_id']}", version=1, at=AT)  # again
    assert await pusher.run_once() == 1

    result = partner.command_results[uid]
    assert result["result"] == {
        "result": "ACCEPTED",
        "message": [{"language": "en", "text": "the station accepted RemoteStartTransaction"}],
    }
    assert result["headers"]["ocpi-to-party-id"] == "TNM"
    assert [e["result"] for e in await events(pool, "roaming.command_result_issued")] == [
        "ACCEPTED"
    ]


async def test_a_station_answer_becomes_the_matching_command_result(
    emsp: Any, site: None, station_commands: Any, feed: Feed, pusher: Pusher, pool: Any
) -> None:
    partner = await emsp()
    url, uid = partner.response_url("RESERVE_NOW")
    expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "response_url": url,
        "token": partner.token("04A1B2C3"),
        "expiry_date": expiry,
        "reservation_id": "R-1",
        "location_id": "LOC1",
        "evse_uid": "3256",
    }
    assert (await send(partner, "RESERVE_NOW", body)).json()["data"]["result"] == "ACCEPTED"
    [received] = await events(pool, "roaming.command_received")
    command = (await station_commands(received["command_id"]))["payload"]
    assert command["action"] == "ReserveNow"
    assert command["arguments"]["connector_id"] == 1
    assert command["arguments"]["id_tag"] == "04A1B2C3"
    number = command["arguments"]["reservation_id"]

    done = StationCommandCompleted(
        command_id=received["command_id"],
        station_id="CS1",
        action="ReserveNow",
        outcome="rejected",
        response={"status": "Occupied"},
    )
    await feed(done, stream=f"command-{received['command_id']}", version=1, at=AT)
    await pusher.run_once()
    assert partner.command_results[uid]["result"]["result"] == "EVSE_OCCUPIED"

    # The same reservation again replaces it: the station gets the same OCPP reservation id.
    again = {**body, "response_url": partner.response_url("RESERVE_NOW")[0]}
    assert (await send(partner, "RESERVE_NOW", again)).json()["data"]["result"] == "ACCEPTED"
    second = (await events(pool, "roaming.command_received"))[1]
    command = (await station_commands(second["command_id"]))["payload"]
    assert command["arguments"]["reservation_id"] == number

    cancel = {
        "response_url": partner.response_url("CANCEL_RESERVATION")[0],
        "reservation_id": "r-1",
    }
    assert (await send(partner, "CANCEL_RESERVATION", cancel)).json()["data"][
        "result"
    ] == "ACCEPTED"
    third = (await events(pool, "roaming.command_received"))[2]
    command = (await station_commands(third["command_id"]))["payload"]
    assert (command["action"], command["arguments"]) == (
        "CancelReservation",
        {"reservation_id": number},
    )


async def test_stop_session_only_for_the_eMSPs_own_running_session(
    emsp: Any, site: None, station_commands: Any, feed: Feed, pool: Any
) -> None:
    partner, other = await emsp(), await emsp("NL", "OTH")
    ours = started("S-1").model_copy(update={"transaction_id": "42"})
    theirs = started("S-2", owner=("NL", "OTH"))
    await feed(ours, stream="session-S-1", version=1, at=AT)
    await feed(theirs, stream="session-S-2", version=1, at=AT)

    def stop(p: OcpiPartner, session_id: str) -> dict[str, Any]:
        return {"response_url": p.response_url("STOP_SESSION")[0], "session_id": session_id}

    answer = (await send(partner, "STOP_SESSION", stop(partner, "S-1"))).json()
    assert answer["data"]["result"] == "ACCEPTED"
    [received] = await events(pool, "roaming.command_received")
    command = (await station_commands(received["command_id"]))["payload"]
    assert (command["action"], command["arguments"]) == (
        "RemoteStopTransaction",
        {"transaction_id": 42},  # an OCPP 1.6 transaction id is an integer
    )
    # Another eMSP's session is as unknown as a session that never was.
    for session_id in ("S-2", "NO-SUCH-SESSION"):
        answer = (await send(partner, "STOP_SESSION", stop(partner, session_id))).json()
        assert (answer["status_code"], answer["data"]["result"]) == (1000, "UNKNOWN_SESSION")
    answer = (await send(other, "STOP_SESSION", stop(other, "S-2"))).json()
    assert answer["data"]["result"] == "ACCEPTED"


async def test_commands_that_cannot_be_carried_out_are_refused_at_once(
    emsp: Any, site: None, pool: Any
) -> None:
    partner = await emsp()

    body, _ = start_body(partner, location_id="NOWHERE")
    answer = (await send(partner, "START_SESSION", body)).json()
    assert answer["status_code"] == 2003
    assert answer["data"]["result"] == "REJECTED"

    cases = [
        ({"evse_uid": "9999"}, "no EVSE 9999"),
        ({"connector_id": "7"}, "no connector 7"),
        ({"token": OcpiPartner("NL", "OTH").token("04A1B2C3")}, "not one of this eMSP's tokens"),
    ]
    for fields, why in cases:
        body, _ = start_body(partner, **fields)
        answer = (await send(partner, "START_SESSION", body)).json()
        assert (answer["status_code"], answer["data"]["result"]) == (1000, "REJECTED")
        assert why in answer["data"]["message"][0]["text"]
    cancel = {"response_url": partner.response_url("CANCEL_RESERVATION")[0], "reservation_id": "X"}
    answer = (await send(partner, "CANCEL_RESERVATION", cancel)).json()
    assert answer["data"]["result"] == "REJECTED"
    # Every refusal is on record; nothing was sent to a station.
    refused = await events(pool, "roaming.command_received")
    assert [e["response"] for e in refused] == ["REJECTED"] * 5
    async with pool.connection() as conn:
        assert await (await conn.execute("SELECT count(*) FROM ocpi_commands")).fetchone() == (0,)


async def test_bad_requests_get_a_reason_and_change_nothing(emsp: Any, cpo: Any, pool: Any) -> None:
    partner = await emsp()
    url = partner.our_endpoints[("commands", "RECEIVER")]

    not_json = await send(partner, "START_SESSION", b"{not json")
    assert (not_json.status_code, not_json.json()["status_code"]) == (400, 2001)
    missing = await send(partner, "START_SESSION", {"response_url": "https://e.example/r/1"})
    assert (missing.status_code, missing.json()["status_code"]) == (200, 2001)
    assert "token" in missing.json()["status_message"]
    bad_url = await send(partner, "STOP_SESSION", {"response_url": "nope", "session_id": "S"})
    assert "response_url" in bad_url.json()["status_message"]
    unknown = await send(partner, "SELF_DESTRUCT", {})
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2000)

    wrong = await cpo.http.post(url + "START_SESSION", headers={"Authorization": "Token bm9wZQ=="})
    assert wrong.status_code == 401
    assert (await cpo.http.post(url + "START_SESSION")).status_code == 401

    a_cpo = await emsp("FR", "CPO", role="CPO")
    body, _ = start_body(a_cpo)
    refused = await send(a_cpo, "START_SESSION", body)
    assert (refused.status_code, refused.json()["status_code"]) == (403, 2000)
    assert await events(pool, "roaming.command_received") == []


async def test_a_command_the_broker_does_not_take_is_an_error_and_leaves_no_trace(
    serve_roaming: Any,
    pool: AsyncConnectionPool,
    database_url: str,
    unstarted_producer: Producer,
    site: None,
) -> None:
    # ACCEPTED means the station command is on the broker (ADR 0018): when it cannot be
    # published, the eMSP gets an error, never an ACCEPTED whose result would not come.
    async with (
        serve_roaming(pool, database_url, unstarted_producer) as cpo,
        OcpiPartner("DE", "TNM") as partner,
    ):
        await partner.register(cpo.versions_url, await cpo.admit("DE", "TNM"))
        body, _ = start_body(partner)
        answer = await send(partner, "START_SESSION", body)

    assert (answer.status_code, answer.json()["status_code"]) == (500, 3000)
    assert "data" not in answer.json()
    assert await events(pool, "roaming.command_received") == []
    async with pool.connection() as conn:
        assert await (await conn.execute("SELECT count(*) FROM ocpi_commands")).fetchone() == (0,)
