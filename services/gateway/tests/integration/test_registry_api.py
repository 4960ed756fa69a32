"""The registry admin API on real PostgreSQL: locations and station registration, what each
write leaves in the log, what the read model then shows, and every request it refuses (401,
404, 409, 422 naming the field). EVSE changes: test_registry_api_evses.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Build = Callable[..., dict[str, Any]]
Fold = Callable[[], Awaitable[int]]
Events = Callable[[], Awaitable[list[tuple[Any, ...]]]]
Faults = Callable[[httpx.Response], dict[str, str]]
Registered = Callable[..., Awaitable[None]]
PASSWORD = {"password": "p" * 20, "security_profile": 1}

ROUTES = [
    ("POST", "/locations", "location"),
    ("PUT", "/locations/LOC-1", "location"),
    ("PATCH", "/locations/LOC-1", "patch"),
    ("POST", "/stations", "station"),
    ("PUT", "/stations/CS-1", "station"),
    ("PUT", "/stations/CS-1/evses/EVSE-1", "evse"),
    ("DELETE", "/stations/CS-1/evses/EVSE-1", None),
    ("PUT", "/stations/CS-1/credentials", "credentials"),
    ("GET", "/locations/LOC-1", None),
    ("GET", "/locations", None),
    ("GET", "/stations/CS-1", None),
    ("GET", "/stations", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_every_route_needs_the_admin_token_and_leaves_no_event_without_it(
    client: httpx.AsyncClient,
    events: Events,
    a_location: Build,
    a_station: Build,
    an_evse: Build,
    method: str,
    path: str,
    body: str | None,
) -> None:
    bodies = {
        "location": a_location(),
        "patch": {"name": "x"},
        "station": a_station(),
        "evse": an_evse(),
        "credentials": PASSWORD,
    }
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}):
        sent = bodies.get(body or "")
        response = await client.request(method, path, json=sent, headers=headers)
        assert response.status_code == 401, (method, path)
    assert await events() == []


async def test_a_location_is_registered_once_and_an_identical_repeat_changes_nothing(
    client: httpx.AsyncClient, events: Events, fold: Fold, a_location: Build
) -> None:
    first = await client.post("/locations", json=a_location())
    assert (first.status_code, first.json()["version"]) == (201, 1)
    again = await client.post("/locations", json=a_location())
    assert (again.status_code, again.json()["version"]) == (200, 1)
    [(stream, _, kind, _)] = await events()
    assert (stream, kind) == ("location-LOC-1", "station.location_registered")
    assert (await client.get("/locations/LOC-1")).status_code == 404  # not folded yet
    await fold()
    shown = (await client.get("/locations/LOC-1")).json()
    assert shown == a_location(operator_name=None)


async def test_a_different_location_under_an_existing_id_is_a_conflict(
    client: httpx.AsyncClient, events: Events, a_location: Build
) -> None:
    await client.post("/locations", json=a_location())
    response = await client.post("/locations", json=a_location(city="Utrecht"))
    assert response.status_code == 409
    assert "PUT or PATCH" in response.json()["detail"]
    assert len(await events()) == 1


async def test_put_and_patch_replace_a_location_with_location_updated(
    client: httpx.AsyncClient, events: Events, fold: Fold, a_location: Build
) -> None:
    await client.post("/locations", json=a_location())
    put = await client.put("/locations/LOC-1", json=a_location(city="Utrecht"))
    assert (put.status_code, put.json()["version"]) == (200, 2)
    unchanged = await client.put("/locations/LOC-1", json=a_location(city="Utrecht"))
    assert unchanged.json()["version"] == 2
    patched = await client.patch("/locations/LOC-1", json={"name": None, "postal_code": "3511"})
    assert patched.json()["location"]["city"] == "Utrecht"
    assert [(v, k) for _, v, k, _ in await events()] == [
        (1, "station.location_registered"),
        (2, "station.location_updated"),
        (3, "station.location_updated"),
    ]
    await fold()
    shown = (await client.get("/locations/LOC-1")).json()
    assert (shown["city"], shown["postal_code"], shown["name"]) == ("Utrecht", "3511", None)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "IANA"),
        ({"coordinates": {"latitude": "52.3", "longitude": "4.900200"}}, "latitude", "5 to 7"),
        ({"coordinates": {"latitude": 52.3789, "longitude": "4.900200"}}, "latitude", "string"),
        ({"coordinates": {"latitude": "91.000000", "longitude": "0.000000"}}, "latitude", "-90"),
        ({"coordinates": {"latitude": "0.000000", "longitude": "-181.00000"}}, "longitude", "180"),
        ({"location_id": "LOC/1"}, "location_id", "'/'"),
        ({"country_code": "NLD"}, "country_code", "at most 2"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
async def test_a_location_that_breaks_a_rule_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    a_location: Build,
    faults: Faults,
    changes: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    found = faults(await client.post("/locations", json=a_location(**changes)))
    assert field in found
    assert reason in found[field]


async def test_a_location_update_cannot_change_its_id_or_operator_or_null_a_field(
    client: httpx.AsyncClient, events: Events, a_location: Build, faults: Faults
) -> None:
    await client.post("/locations", json=a_location())
    other_id = await client.put("/locations/LOC-1", json=a_location(location_id="LOC-2"))
    assert "the URL says 'LOC-1'" in faults(other_id)["location_id"]
    owner = await client.put("/locations/LOC-1", json=a_location(party_id="XYZ"))
    assert "cannot change" in faults(owner)["party_id"]
    patched = await client.patch("/locations/LOC-1", json={"country_code": "DE"})
    assert "cannot change" in faults(patched)["country_code"]
    assert set(faults(await client.patch("/locations/LOC-1", json={"city": None}))) == {"city"}
    renamed = await client.patch("/locations/LOC-1", json={"location_id": "X"})
    assert set(faults(renamed)) == {"location_id"}
    assert len(await events()) == 1


async def test_unknown_locations_and_stations_are_404(
    client: httpx.AsyncClient, a_location: Build, a_station: Build, an_evse: Build
) -> None:
    for method, path, body in [
        ("PUT", "/locations/NOPE", a_location(location_id="NOPE")),
        ("PATCH", "/locations/NOPE", {"name": "x"}),
        ("GET", "/locations/NOPE", None),
        ("PUT", "/stations/NOPE", a_station(station_id="NOPE")),
        ("PUT", "/stations/NOPE/evses/EVSE-1", an_evse()),
        ("DELETE", "/stations/NOPE/evses/EVSE-1", None),
        ("GET", "/stations/NOPE", None),
        ("PUT", "/stations/NOPE/credentials", PASSWORD),
    ]:
        response = await client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)


async def test_lists_are_ordered_paged_filtered_and_counted(
    client: httpx.AsyncClient, fold: Fold, a_location: Build, a_station: Build
) -> None:
    for n in (3, 1, 2):
        await client.post("/locations", json=a_location(location_id=f"LOC-{n}"))
        station = a_station(station_id=f"CS-{n}", location_id="LOC-1" if n < 3 else "LOC-3")
        assert (await client.post("/stations", json=station)).status_code == 201
    await client.post("/locations", json=a_location(location_id="DE-1", country_code="DE"))
    await fold()
    page = await client.get("/locations", params={"limit": 2, "offset": 1})
    assert [loc["location_id"] for loc in page.json()] == ["LOC-1", "LOC-2"]
    assert page.headers["X-Total-Count"] == "4"
    dutch = await client.get("/locations", params={"country_code": "NL"})
    assert dutch.headers["X-Total-Count"] == "3"
    at_one = await client.get("/stations", params={"location_id": "LOC-1"})
    assert [s["station_id"] for s in at_one.json()] == ["CS-1", "CS-2"]
    assert at_one.headers["X-Total-Count"] == "2"
    assert at_one.json()[0]["security_profile"] == 0
    assert (await client.get("/stations", params={"limit": 0})).status_code == 422


async def test_a_station_is_registered_once_and_shown_with_its_evses(
    client: httpx.AsyncClient,
    events: Events,
    fold: Fold,
    a_station: Build,
    registered: Registered,
) -> None:
    await registered()
    again = await client.post("/stations", json=a_station())
    assert (again.status_code, again.json()["version"]) == (200, 1)
    assert (await client.post("/stations", json=a_station(evses=[]))).status_code == 409
    await fold()
    shown = (await client.get("/stations/CS-1")).json()
    assert (shown["location_id"], shown["security_profile"]) == ("LOC-1", 0)
    assert [e["evse_id"] for e in shown["evses"]] == ["NL*EVR*E1A1B2C*1"]
    assert [stream for stream, *_ in await events()] == ["location-LOC-1", "station-CS-1"]


@pytest.mark.parametrize(
    ("changes", "evses", "field", "reason"),
    [
        ({"station_id": "C" * 49}, [{}], "station_id", "48"),
        ({"station_id": "CS:1"}, [{}], "station_id", "':'"),
        ({"location_id": "LOC-9"}, [{}], "location_id", "not registered"),
        ({}, [{"evse_id": "EVR-1"}], "evse_id", "eMI3"),
        ({}, [{"evse_id": "DE*EVR*E1"}], "evse_id", "NL*EVR"),
        ({}, [{"connectors": []}], "connectors", "no connector"),
        ({}, [{}, {"connector": 2}], "evse_uid", "twice"),
        ({}, [{}, {"uid": "EVSE-2", "ocpp_evse_id": 1}], "ocpp_evse_id", "twice"),
        ({}, [{}, {"uid": "EVSE-2"}], "ocpp_connector_id", "1 is used twice"),
        ({}, [{"connectors": [{"connector_id": "1"}]}], "ocpp_connector_id", "required"),
        ({}, [{"colour": "red"}], "colour", "Extra inputs"),
    ],
)
async def test_a_station_that_breaks_a_rule_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    events: Events,
    faults: Faults,
    a_location: Build,
    a_station: Build,
    an_evse: Build,
    changes: dict[str, Any],
    evses: list[dict[str, Any]],
    field: str,
    reason: str,
) -> None:
    await client.post("/locations", json=a_location())
    station = a_station(*(an_evse(**e) for e in evses), **changes)
    found = faults(await client.post("/stations", json=station))
    assert field in found
    assert reason in found[field]
    assert [stream for stream, *_ in await events()] == ["location-LOC-1"]
