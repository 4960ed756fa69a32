"""Our roaming service as CPO towards the eMSP built from extrawest-ocpi (partner/emsp.py),
the way back: our push queue delivers a CDR to the library's CDRs Receiver, and a START_SESSION
the library sends to our Commands Receiver is answered, becomes a station command on the real
broker, and its CommandResult reaches the library's response_url through the same queue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.gateway import (
    Connector,
    Evse,
    LocationRegistered,
    StationCommandCompleted,
    StationRegistered,
)
from evroam_contracts.shared import GeoLocation
from evroam_messaging import Producer
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.push import Pusher

AT = "2024-05-01T08:00:00Z"
UID = "04A1B2C3D4"
TOKEN: dict[str, Any] = {  # the library's Token fields besides the owner and uid
    "type": "RFID",
    "contract_id": "DE-TNM-C04A1B2C3-X",
    "issuer": "Interop eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2025-01-01T10:00:00Z",
}


async def registered(roaming: Any, emsp: Any) -> None:
    token_a = await roaming.admit(emsp.country_code, emsp.party_id)
    answer = await emsp.register(roaming.versions_url, token_a)
    assert (answer["http_status"], answer["status_code"]) == (200, 1000), answer


async def events(pool: AsyncConnectionPool, type_: str) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload FROM events WHERE type = %s ORDER BY position", (type_,)
        )
        return [row[0] for row in await cur.fetchall()]


@pytest.fixture
async def pusher(pool: AsyncConnectionPool) -> AsyncIterator[Pusher]:
    """The push queue's sender, one round at a time, its clock ahead: what is queued is due."""
    later = datetime.now(UTC) + timedelta(seconds=30)
    async with httpx.AsyncClient() as http:
        policy = PushPolicy(max_attempts=1)
        yield Pusher(pool, http, Party("NL", "EVR"), policy, timeout_s=5, clock=lambda: later)


async def test_our_cdr_push_is_taken_by_the_librarys_cdrs_receiver(
    emsp: Any, roaming: Any, issue: Any, make_cdr: Any, pusher: Pusher, pool: AsyncConnectionPool
) -> None:
    await registered(roaming, emsp)
    await issue(make_cdr("C1"))  # its token is DE*TNM's: the library's driver

    assert await pusher.run_once() == 1

    stored = (await emsp.drive("GET", "cdrs/C1"))["cdr"]  # as the library's Cdr model read it
    assert (stored["id"], stored["cdr_token"]["party_id"]) == ("c1", "tnm")
    assert (stored["total_cost"], stored["total_energy"]) == (
        {"excl_vat": 4, "incl_vat": 4.4},
        15.342,
    )
    [attempt] = await events(pool, "roaming.push_attempted")
    assert attempt["outcome"] == "DELIVERED"
    # The library answers 200 (section 3.3: 201 is advised) and a `Location` it builds from
    # the f-strings of its enums; we keep what it said.
    assert attempt["location"].endswith("/ocpi/emsp/VersionNumber.v_2_2_1/ModuleID.cdrs/c1")


@pytest.fixture
async def producer(kafka: str) -> AsyncIterator[Producer]:
    producer = Producer(kafka, "roaming-interop")
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
async def roaming_with_commands(
    serve_roaming: Any, pool: AsyncConnectionPool, database_url: str, producer: Producer
) -> AsyncIterator[Any]:
    """Our service with its Commands Receiver, which publishes station commands to the broker."""
    async with serve_roaming(pool, database_url, producer) as served:
        yield served


@pytest.fixture
async def site(feed: Callable[..., Awaitable[Any]]) -> None:
    """Our location LOC1 with station CS1: EVSE 3256, connector 1 (OCPP connector 1)."""
    location = LocationRegistered(
        location_id="LOC1",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        country="BEL",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        time_zone="Europe/Brussels",
        country_code="NL",
        party_id="EVR",
    )
    await feed(location, stream="location-LOC1", version=1, at=AT)
    connector = Connector(connector_id="1", ocpp_connector_id=1)
    evse = Evse(evse_uid="3256", evse_id="NL*EVR*E3256", connectors=(connector,))
    station = StationRegistered(station_id="CS1", location_id="LOC1", evses=(evse,))
    await feed(station, stream="station-CS1", version=1, at=AT)


async def test_a_start_session_from_the_library_is_answered_and_its_result_reaches_it(
    emsp: Any,
    roaming_with_commands: Any,
    site: None,
    feed: Callable[..., Awaitable[Any]],
    pusher: Pusher,
    pool: AsyncConnectionPool,
) -> None:
    await registered(roaming_with_commands, emsp)
    await emsp.drive("PUT", f"tokens/{UID}", json=TOKEN)  # its driver's token, which it sends
    fields = {"token_uid": UID, "location_id": "LOC1", "evse_uid": "3256"}

    started = await emsp.drive("POST", "commands/START_SESSION", json=fields)

    assert (started["http_status"], started["status_code"]) == (200, 1000), started
    assert started["response"] == {"result": "ACCEPTED", "timeout": 60, "message": []}
    [received] = await events(pool, "roaming.command_received")
    assert (received["token"]["uid"], received["evse_uid"]) == (UID.lower(), "3256")
    done = StationCommandCompleted(
        command_id=received["command_id"],
        station_id="CS1",
        action="RemoteStartTransaction",
        outcome="accepted",
        response={"status": "Accepted"},
    )
    await feed(done, stream=f"command-{received['command_id']}", version=1, at=AT)
    assert await pusher.run_once() == 1
    result = (await emsp.drive("GET", f"command-results/{started['uid']}"))["result"]
    assert result == {
        "result": "ACCEPTED",
        "message": [{"language": "en", "text": "the station accepted RemoteStartTransaction"}],
    }
