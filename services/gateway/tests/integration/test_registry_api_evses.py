"""Changing a registered station through the admin API on real PostgreSQL: its location, its
EVSEs one by one, concurrent writes, the station's traffic on the same stream, and the read
model rebuilt from the log."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.gateway import StationBooted
from evroam_eventstore import EventStore, NewEvent
from evroam_eventstore.projections import rebuild
from evroam_gateway.projections.registry import RegistryV1

Build = Callable[..., dict[str, Any]]
Fold = Callable[[], Awaitable[int]]
Events = Callable[[], Awaitable[list[tuple[Any, ...]]]]
Faults = Callable[[httpx.Response], dict[str, str]]
Registered = Callable[..., Awaitable[None]]


async def test_a_station_moves_to_another_location_of_its_operator_only(
    client: httpx.AsyncClient,
    events: Events,
    faults: Faults,
    a_location: Build,
    a_station: Build,
    registered: Registered,
) -> None:
    await registered()
    await client.post("/locations", json=a_location(location_id="LOC-2"))
    await client.post("/locations", json=a_location(location_id="DE-1", country_code="DE"))
    moved = await client.put("/stations/CS-1", json=a_station(location_id="LOC-2"))
    assert (moved.status_code, moved.json()["station"]["location_id"]) == (200, "LOC-2")
    abroad = await client.put("/stations/CS-1", json=a_station(location_id="DE-1"))
    assert "DE*EVR" in faults(abroad)["evse_id"]
    other = await client.put("/stations/CS-1", json=a_station(station_id="CS-2"))
    assert "the URL says 'CS-1'" in faults(other)["station_id"]
    assert [k for _, _, k, _ in await events()][-1] == "station.updated"


async def test_put_evse_adds_or_replaces_one_evse_and_delete_keeps_the_others_numbers(
    client: httpx.AsyncClient, events: Events, an_evse: Build, registered: Registered
) -> None:
    await registered()
    added = await client.put("/stations/CS-1/evses/EVSE-2", json=an_evse("EVSE-2", connector=2))
    assert [e["evse_uid"] for e in added.json()["station"]["evses"]] == ["EVSE-1", "EVSE-2"]
    body = an_evse(connector=3, physical_reference="left")
    del body["evse_uid"]  # the URL's
    replaced = await client.put("/stations/CS-1/evses/EVSE-1", json=body)
    evses = replaced.json()["station"]["evses"]
    assert [(e["evse_uid"], e["connectors"][0]["ocpp_connector_id"]) for e in evses] == [
        ("EVSE-1", 3),
        ("EVSE-2", 2),
    ]
    removed = await client.delete("/stations/CS-1/evses/EVSE-1")
    [kept] = removed.json()["station"]["evses"]
    assert (kept["evse_uid"], kept["ocpp_evse_id"]) == ("EVSE-2", 2)  # not renumbered to 1
    assert (await client.delete("/stations/CS-1/evses/EVSE-1")).status_code == 404
    kinds = [k for _, _, k, _ in await events()]
    assert kinds[1:] == ["station.registered"] + ["station.updated"] * 3


async def test_put_evse_names_the_field_of_the_evse_it_was_given(
    client: httpx.AsyncClient, faults: Faults, an_evse: Build, registered: Registered
) -> None:
    await registered()
    clash = await client.put("/stations/CS-1/evses/EVSE-2", json=an_evse("EVSE-2"))
    assert faults(clash)["ocpp_connector_id"] == "ocpp_connector_id 1 is used twice in this station"
    assert [e["loc"] for e in clash.json()["detail"]] == [
        ["body", "connectors", 0, "ocpp_connector_id"]
    ]
    foreign = an_evse("EVSE-2", connector=2, evse_id="BE*ABC*E1")
    found = await client.put("/stations/CS-1/evses/EVSE-2", json=foreign)
    assert [e["loc"] for e in found.json()["detail"]] == [["body", "evse_id"]]
    other = await client.put("/stations/CS-1/evses/EVSE-2", json=an_evse("EVSE-3", connector=2))
    assert "the URL says 'EVSE-2'" in faults(other)["evse_uid"]


async def test_registry_writes_skip_the_station_traffic_on_the_same_stream(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    a_station: Build,
    an_evse: Build,
    registered: Registered,
) -> None:
    await registered()
    booted = StationBooted(
        station_id="CS-1",
        ocpp_version="1.6",
        vendor="v",
        model="m",
        registration_status="Accepted",
        received_at=datetime.now(UTC),
    )
    async with pool.connection() as conn:
        await EventStore().append(conn, "station-CS-1", None, [NewEvent.of(booted)])
    again = await client.post("/stations", json=a_station())
    assert (again.status_code, again.json()["version"]) == (200, 2)
    updated = await client.put("/stations/CS-1/evses/EVSE-2", json=an_evse("EVSE-2", connector=2))
    assert updated.json()["version"] == 3


async def test_concurrent_writes_to_one_station_are_retried_and_none_is_lost(
    client: httpx.AsyncClient, events: Events, an_evse: Build, registered: Registered
) -> None:
    await registered()
    puts = [
        client.put(f"/stations/CS-1/evses/EVSE-{n}", json=an_evse(f"EVSE-{n}", connector=n))
        for n in range(2, 6)
    ]
    assert {r.status_code for r in await asyncio.gather(*puts)} == {200}
    [*_, (_, version, _, last)] = await events()
    assert version == 5
    assert sorted(e["evse_uid"] for e in last["evses"]) == [f"EVSE-{n}" for n in range(1, 6)]


async def test_the_registry_rebuilt_from_the_log_equals_the_incremental_one(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    fold: Fold,
    an_evse: Build,
    registered: Registered,
) -> None:
    await registered(an_evse(), an_evse("EVSE-2", connector=2))
    await client.patch("/locations/LOC-1", json={"city": "Utrecht"})
    await client.delete("/stations/CS-1/evses/EVSE-1")
    await client.put(
        "/stations/CS-1/credentials", json={"password": "p" * 20, "security_profile": 2}
    )
    await fold()
    report = await rebuild(pool, RegistryV1())
    assert report.events_replayed == 5
    assert report.equal, report
    shown = (await client.get("/stations/CS-1")).json()
    assert (shown["security_profile"], len(shown["evses"])) == (2, 1)
