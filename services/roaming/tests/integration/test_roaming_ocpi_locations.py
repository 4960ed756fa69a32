"""Partners pull our locations over OCPI 2.2.1 (section 3.1) from the real tables, through
the real app on a real port; the gateway's events reach the tables through the consumer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.gateway import (
    Connector,
    Evse,
    LocationRegistered,
    LocationUpdated,
    StationConnected,
    StationDisconnected,
    StationRegistered,
    StationStatusChanged,
    StationUpdated,
)
from evroam_contracts.shared import GeoLocation

LOCATIONS = "/ocpi/cpo/2.2.1/locations"
Feed = Callable[..., Awaitable[Any]]
Auth = Callable[[str], dict[str, str]]


def location(location_id: str, name: str = "Gent Zuid", **changes: Any) -> LocationRegistered:
    return LocationRegistered(
        location_id=location_id,
        name=name,
        address="F.Rooseveltlaan 3A",
        city="Gent",
        postal_code="9000",
        country="BEL",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        time_zone="Europe/Brussels",
        country_code="BE",
        party_id="BEC",
        operator_name="BeCharged",
        **changes,
    )


def evse(uid: str, *connector_numbers: int, max_amperage_a: int = 16) -> Evse:
    return Evse(
        evse_uid=uid,
        evse_id=f"BE*BEC*E{uid}",
        physical_reference="1",
        connectors=tuple(
            Connector(
                connector_id=str(n),
                ocpp_connector_id=n,
                standard="IEC_62196_T2",
                format="CABLE",
                power_type="AC_3_PHASE",
                max_power_w=11_000,
                max_voltage_v=230,
                max_amperage_a=max_amperage_a,
            )
            for n in connector_numbers
        ),
    )


def status(station_id: str, ocpp_connector_id: int, value: str, uid: str | None) -> Any:
    return StationStatusChanged(
        station_id=station_id,
        ocpp_connector_id=ocpp_connector_id,
        evse_uid=uid,
        status=value,
        received_at="2024-05-01T10:00:00Z",
    )


async def get(roaming: Any, path: str, token: str, **params: str) -> httpx.Response:
    auth = {"Authorization": f"Token {token}"}
    return await roaming.http.get(path, params=params, headers=auth)


async def registered_site(feed: Feed, at: str = "2024-05-01T08:00:00Z") -> None:
    """Location LOC1 with station CS1: EVSE 3256 (connectors 1, 2), EVSE 3257 (connector 3)."""
    await feed(location("LOC1"), stream="location-LOC1", version=1, at=at)
    station = StationRegistered(
        station_id="CS1", location_id="LOC1", evses=(evse("3256", 1, 2), evse("3257", 3))
    )
    await feed(station, stream="station-CS1", version=1, at=at)


async def test_a_registered_location_is_served_in_ocpi_shape(roaming: Any, feed: Feed) -> None:
    token = await roaming.admit("DE", "TNM")
    await registered_site(feed)
    response = await get(roaming, f"{LOCATIONS}/LOC1", token)
    assert response.status_code == 200
    body = response.json()
    assert body["status_code"] == 1000
    assert body["data"] == {
        "country_code": "BE",
        "party_id": "BEC",
        "id": "LOC1",
        "publish": True,
        "name": "Gent Zuid",
        "address": "F.Rooseveltlaan 3A",
        "city": "Gent",
        "postal_code": "9000",
        "country": "BEL",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "time_zone": "Europe/Brussels",
        "operator": {"name": "BeCharged"},
        "evses": [
            {
                "uid": "3256",
                "evse_id": "BE*BEC*E3256",
                "status": "UNKNOWN",  # no StatusNotification yet
                "physical_reference": "1",
                "connectors": [_connector("1"), _connector("2")],
                "last_updated": "2024-05-01T08:00:00Z",
            },
            {
                "uid": "3257",
                "evse_id": "BE*BEC*E3257",
                "status": "UNKNOWN",
                "physical_reference": "1",
                "connectors": [_connector("3")],
                "last_updated": "2024-05-01T08:00:00Z",
            },
        ],
        "last_updated": "2024-05-01T08:00:00Z",
    }
    assert response.headers["OCPI-to-party-id"] == "TNM"
    assert response.headers["OCPI-from-party-id"] == "EVR"


def _connector(connector_id: str, at: str = "2024-05-01T08:00:00Z") -> dict[str, Any]:
    return {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": "CABLE",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "max_electric_power": 11000,
        "last_updated": at,
    }


async def test_the_evse_status_follows_status_notifications_and_moves_last_updated(
    roaming: Any, feed: Feed
) -> None:
    token = await roaming.admit("DE", "TNM")
    await registered_site(feed)
    await feed(status("CS1", 1, "AVAILABLE", "3256"), stream="station-CS1", version=2, at=_t(9))
    await feed(status("CS1", 2, "AVAILABLE", "3256"), stream="station-CS1", version=3, at=_t(9))
    await feed(status("CS1", 1, "CHARGING", "3256"), stream="station-CS1", version=4, at=_t(10))

    evse_3256 = (await get(roaming, f"{LOCATIONS}/LOC1/3256", token)).json()["data"]
    assert (evse_3256["status"], evse_3256["last_updated"]) == ("CHARGING", _t(10))
    # The connectors did not change: they keep theirs (section 3.1).
    assert [c["last_updated"] for c in evse_3256["connectors"]] == [_t(8), _t(8)]
    site = (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"]
    assert site["last_updated"] == _t(10)
    assert [e["status"] for e in site["evses"]] == ["CHARGING", "UNKNOWN"]

    # A status OCPI shows the same way (SuspendedEV is in use too) moves nothing.
    await feed(status("CS1", 1, "SUSPENDED_EV", "3256"), stream="station-CS1", version=5, at=_t(11))
    assert (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"] == site

    await feed(status("CS1", 0, "FAULTED", None), stream="station-CS1", version=6, at=_t(12))
    offline = StationDisconnected(station_id="CS1", replica="r1", disconnected_at=_t(13))
    await feed(offline, stream="station-CS1", version=7, at=_t(13))
    site = (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"]
    assert [e["status"] for e in site["evses"]] == ["UNKNOWN", "UNKNOWN"]
    online = StationConnected(
        station_id="CS1", ocpp_version="1.6", replica="r2", connected_at=_t(14)
    )
    await feed(online, stream="station-CS1", version=8, at=_t(14))
    site = (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"]
    # Back online: 3256 is still in use; 3257 is down with its station (FAULTED on 0).
    assert [e["status"] for e in site["evses"]] == ["CHARGING", "OUTOFORDER"]
    assert site["last_updated"] == _t(14)


async def test_pages_follow_the_link_and_dates_filter_on_last_updated(
    roaming: Any, feed: Feed
) -> None:
    token = await roaming.admit("DE", "TNM")
    for hour, location_id in ((9, "L9"), (10, "L10"), (11, "L11"), (12, "L12"), (13, "L13")):
        await feed(location(location_id), stream=f"location-{location_id}", version=1, at=_t(hour))

    first = await get(roaming, LOCATIONS, token, limit="2")
    assert [loc["id"] for loc in first.json()["data"]] == ["L9", "L10"]
    assert (first.headers["X-Total-Count"], first.headers["X-Limit"]) == ("5", "100")
    assert first.headers["Link"] == f'<{roaming.url}{LOCATIONS}?offset=2&limit=2>; rel="next"'
    pages = [first]
    while "Link" in pages[-1].headers:
        pages.append(await roaming.http.get(_next_url(pages[-1]), headers=_auth(token)))
    assert [loc["id"] for p in pages for loc in p.json()["data"]] == [
        "L9",
        "L10",
        "L11",
        "L12",
        "L13",
    ]

    window = await get(roaming, LOCATIONS, token, date_from=_t(10), date_to=_t(13), limit="2")
    assert [loc["id"] for loc in window.json()["data"]] == ["L10", "L11"]
    assert window.headers["X-Total-Count"] == "3"
    assert window.headers["Link"] == (
        f"<{roaming.url}{LOCATIONS}?offset=2&limit=2&date_from={_t(10)}"
        f'&date_to={_t(13)}>; rel="next"'
    )
    # A status change brings a location into a later window (its last_updated moved).
    station = StationRegistered(station_id="CS9", location_id="L9", evses=(evse("9", 1),))
    await feed(station, stream="station-CS9", version=1, at=_t(9))
    await feed(status("CS9", 1, "AVAILABLE", "9"), stream="station-CS9", version=2, at=_t(15))
    later = await get(roaming, LOCATIONS, token, date_from=_t(14))
    assert [loc["id"] for loc in later.json()["data"]] == ["L9"]


async def test_unknown_objects_are_404_with_ocpi_2003(roaming: Any, feed: Feed) -> None:
    token = await roaming.admit("DE", "TNM")
    await registered_site(feed)
    for path in ("NOPE", "LOC1/NOPE", "LOC1/3256/9", "NOPE/3256/1"):
        response = await get(roaming, f"{LOCATIONS}/{path}", token)
        assert response.status_code == 404, path
        body = response.json()
        assert body["status_code"] == 2003
        assert "data" not in body
        assert response.headers["OCPI-to-party-id"] == "TNM"
    # Ids are CiStrings: another case finds the same objects.
    connector = await get(roaming, f"{LOCATIONS}/loc1/3256/2", token)
    assert connector.json()["data"] == _connector("2")


async def test_bad_parameters_are_2001_and_a_wrong_token_401(roaming: Any, feed: Feed) -> None:
    token = await roaming.admit("DE", "TNM")
    for params in ({"limit": "0"}, {"date_to": "yesterday"}):
        response = await get(roaming, LOCATIONS, token, **params)
        assert response.status_code == 200  # reached the OCPI layer (section 1.7)
        assert response.json()["status_code"] == 2001
        assert next(iter(params)) in response.json()["status_message"]
    for path in (LOCATIONS, f"{LOCATIONS}/LOC1"):
        assert (await get(roaming, path, "guessed-token")).status_code == 401
        assert (await roaming.http.get(path)).status_code == 401


async def test_duplicates_and_older_copies_change_nothing(
    roaming: Any, feed: Feed, pool: AsyncConnectionPool
) -> None:
    token = await roaming.admit("DE", "TNM")
    await registered_site(feed)
    renamed = LocationUpdated(**location("LOC1", name="Gent Zuid 2").model_dump())
    delivered = await feed(renamed, stream="location-LOC1", version=2, at=_t(9))
    await feed(status("CS1", 3, "AVAILABLE", "3257"), stream="station-CS1", version=2, at=_t(9))
    before = (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"]
    tables = await _tables(pool)

    await feed(renamed, stream="location-LOC1", version=2, at=_t(9), event_id=delivered.event_id)
    await feed(renamed, stream="location-LOC1", version=2, at=_t(10))  # re-published
    await feed(location("LOC1"), stream="location-LOC1", version=1, at=_t(11))  # older copy
    await feed(status("CS1", 3, "FAULTED", "3257"), stream="station-CS1", version=1, at=_t(11))
    assert (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"] == before
    assert before["name"] == "Gent Zuid 2"
    assert await _tables(pool) == tables


async def test_an_evse_the_station_no_longer_has_stays_as_removed(roaming: Any, feed: Feed) -> None:
    token = await roaming.admit("DE", "TNM")
    await registered_site(feed)
    await feed(location("LOC2"), stream="location-LOC2", version=1, at=_t(8))
    smaller = StationUpdated(
        station_id="CS1", location_id="LOC1", evses=(evse("3256", 1, 2, max_amperage_a=32),)
    )
    await feed(smaller, stream="station-CS1", version=2, at=_t(9))
    site = (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"]
    assert [(e["uid"], e["status"], e["last_updated"]) for e in site["evses"]] == [
        ("3256", "UNKNOWN", _t(9)),
        ("3257", "REMOVED", _t(9)),
    ]
    assert site["evses"][0]["connectors"][0]["max_amperage"] == 32

    moved = StationUpdated(station_id="CS1", location_id="LOC2", evses=smaller.evses)
    await feed(moved, stream="station-CS1", version=3, at=_t(10))
    site = (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"]
    assert [(e["uid"], e["status"]) for e in site["evses"]] == [
        ("3256", "REMOVED"),
        ("3257", "REMOVED"),
    ]
    assert site["last_updated"] == _t(10)
    new_home = (await get(roaming, f"{LOCATIONS}/LOC2/3256", token)).json()["data"]
    assert (new_home["status"], new_home["last_updated"]) == ("UNKNOWN", _t(10))


async def test_a_station_registered_before_its_location_arrived_is_shown_with_it(
    roaming: Any, feed: Feed
) -> None:
    """Location and station streams are on different partitions: either may come first."""
    token = await roaming.admit("DE", "TNM")
    station = StationRegistered(station_id="CS1", location_id="LOC1", evses=(evse("1", 1),))
    await feed(station, stream="station-CS1", version=1, at=_t(9))
    assert (await get(roaming, f"{LOCATIONS}/LOC1/1", token)).status_code == 404
    await feed(location("LOC1"), stream="location-LOC1", version=1, at=_t(8))
    site = (await get(roaming, f"{LOCATIONS}/LOC1", token)).json()["data"]
    assert ([e["uid"] for e in site["evses"]], site["last_updated"]) == (["1"], _t(9))


async def _tables(pool: AsyncConnectionPool) -> list[Any]:
    async with pool.connection() as conn:
        found = []
        for table in ("ocpi_locations", "ocpi_stations", "ocpi_evses"):
            cur = await conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
            found.append(await cur.fetchall())
        return found


def _t(hour: int) -> str:
    return f"2024-05-01T{hour:02d}:00:00Z"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def _next_url(response: httpx.Response) -> str:
    link = response.headers["Link"]
    url = urlsplit(link[1 : link.index(">")])
    return f"{url.path}?{url.query}"
