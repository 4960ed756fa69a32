"""Partners pull our tariffs over OCPI 2.2.1 (section 3.4) from the real tables, through the
real app on a real port; the tariff service's events reach the tables through the consumer."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope
from evroam_contracts.gateway import LocationRegistered
from evroam_contracts.ids import new_id
from evroam_contracts.session import SessionStarted
from evroam_contracts.shared import CdrToken, GeoLocation, LocationSnapshot
from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired
from evroam_messaging import Producer, make_broker, register_consumer
from evroam_roaming.consumers import cpo_objects_consumer

TARIFFS = "/ocpi/cpo/2.2.1/tariffs"
# OCPI 2.2.1 examples/tariff_6_025kwh_start_max_price.json, as the spec prints it.
TARIFF_6 = """{
  "country_code": "DE", "party_id": "ALL", "id": "16", "currency": "EUR",
  "max_price": {"excl_vat": 10.00, "incl_vat": 11.00},
  "elements": [{"price_components": [
    {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
    {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}
  ]}],
  "end_date_time": "2019-06-30T23:59:59Z",
  "last_updated": "2018-12-17T17:15:01Z"
}"""
Feed = Callable[..., Awaitable[Any]]


def published(tariff_id: str, version: int, hour: int, price: float = 2.0) -> TariffPublished:
    """Tariff `tariff_id` as the tariff service publishes it: the numbers as its HTTP API
    decoded them (JSON numbers), `last_updated` stamped at publication."""
    tariff = {
        "country_code": "DE",
        "party_id": "ALL",
        "id": tariff_id,
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "TIME", "price": price, "vat": 10.0, "step_size": 300}]}
        ],
        "last_updated": _t(hour),
    }
    return TariffPublished(
        tariff_id=tariff_id, tariff_version=version, tariff=tariff, published_at=_t(hour)
    )


async def publish(feed: Feed, event: TariffPublished, hour: int) -> Any:
    stream = f"tariff-{event.tariff_id}"
    return await feed(event, stream=stream, version=event.tariff_version, at=_t(hour))


async def get(roaming: Any, token: str, **params: str) -> httpx.Response:
    return await roaming.http.get(
        TARIFFS, params=params, headers={"Authorization": f"Token {token}"}
    )


async def test_the_latest_version_is_served_with_its_numbers_exact(
    roaming: Any, feed: Feed
) -> None:
    token = await roaming.admit("DE", "TNM")
    await publish(feed, published("12", 1, 9, price=2.0), 9)
    await publish(feed, published("12", 2, 10, price=2.35), 10)
    response = await get(roaming, token)
    [tariff] = response.json()["data"]
    assert tariff["elements"][0]["price_components"][0]["price"] == 2.35
    assert '"vat":10.0' in response.text  # a JSON number, the digits it was published with
    assert tariff["last_updated"] == _t(10)
    assert "end_date_time" not in tariff
    assert response.headers["OCPI-from-party-id"] == "EVR"


async def test_the_spec_example_keeps_its_digits(roaming: Any, feed: Feed) -> None:
    token = await roaming.admit("DE", "TNM")
    # Decimals, as a producer holding them sends them (JSON strings on our wire).
    tariff = json.loads(TARIFF_6, parse_float=Decimal)
    event = TariffPublished(
        tariff_id=tariff["id"], tariff_version=1, tariff=tariff, published_at=_t(9)
    )
    await publish(feed, event, 9)
    response = await get(roaming, token)
    assert '"max_price":{"excl_vat":10.00,"incl_vat":11.00}' in response.text
    assert '"price":0.50' in response.text
    assert response.json()["data"] == [json.loads(TARIFF_6)]


async def test_older_versions_and_duplicates_change_nothing(
    roaming: Any, feed: Feed, pool: AsyncConnectionPool
) -> None:
    token = await roaming.admit("DE", "TNM")
    delivered = await publish(feed, published("12", 2, 10, price=2.35), 10)
    before, rows = (await get(roaming, token)).json()["data"], await _rows(pool)
    again = published("12", 2, 10, price=2.35)
    await feed(again, stream="tariff-12", version=2, at=_t(10), event_id=delivered.event_id)
    await publish(feed, again, 11)  # re-published
    await publish(feed, published("12", 1, 9, price=2.0), 12)  # an older version, late
    assert (await get(roaming, token)).json()["data"] == before
    assert await _rows(pool) == rows


async def test_a_retired_tariff_ends_at_its_retirement_and_is_then_no_longer_listed(
    roaming: Any, feed: Feed
) -> None:
    token = await roaming.admit("DE", "TNM")
    await publish(feed, published("SOON", 1, 9), 9)
    await publish(feed, published("GONE", 1, 9), 9)
    later = TariffRetired(tariff_id="SOON", retired_from="2099-01-01T00:00:00Z")
    await feed(later, stream="tariff-SOON", version=2, at=_t(10))
    past = TariffRetired(tariff_id="GONE", retired_from="2001-01-01T00:00:00Z")
    await feed(past, stream="tariff-GONE", version=2, at=_t(10))

    response = await get(roaming, token)
    [soon] = response.json()["data"]
    assert soon["id"] == "SOON"
    assert (soon["end_date_time"], soon["last_updated"]) == ("2099-01-01T00:00:00Z", _t(10))
    assert response.headers["X-Total-Count"] == "1"
    # A retirement recorded again (a new event id) changes nothing.
    await feed(later, stream="tariff-SOON", version=2, at=_t(11))
    assert (await get(roaming, token)).json()["data"] == [soon]


async def test_a_tariff_assigned_to_one_emsp_is_shown_to_that_emsp_alone(
    roaming: Any, feed: Feed
) -> None:
    tnm = await roaming.admit("DE", "TNM")
    abc = await roaming.admit("NL", "ABC")
    for tariff_id in ("PUBLIC", "TNM-ONLY", "NEW"):
        await publish(feed, published(tariff_id, 1, 9), 9)
    everyone = TariffAssigned(
        location_id="LOC1", tariff_id="PUBLIC", tariff_version=1, effective_from=_t(9)
    )
    await feed(everyone, stream="tariff-PUBLIC", version=2, at=_t(10))
    deal = everyone.model_copy(
        update={"tariff_id": "TNM-ONLY", "emsp_country_code": "de", "emsp_party_id": "tnm"}
    )
    await feed(deal, stream="tariff-TNM-ONLY", version=2, at=_t(11))

    as_tnm = (await get(roaming, tnm)).json()["data"]
    as_abc = await get(roaming, abc)
    assert [(t["id"], t["last_updated"]) for t in as_tnm] == [
        ("NEW", _t(9)),  # not assigned yet: every partner may see it
        ("PUBLIC", _t(10)),
        ("TNM-ONLY", _t(11)),  # its new reader finds it in an incremental pull
    ]
    assert [t["id"] for t in as_abc.json()["data"]] == ["NEW", "PUBLIC"]
    assert as_abc.headers["X-Total-Count"] == "2"


async def test_pages_dates_bad_parameters_and_tokens(roaming: Any, feed: Feed) -> None:
    token = await roaming.admit("DE", "TNM")
    for hour in (9, 10, 11, 12, 13):
        await publish(feed, published(f"H{hour}", 1, hour), hour)
    first = await get(roaming, token, date_from=_t(10), date_to=_t(13), limit="2")
    assert [t["id"] for t in first.json()["data"]] == ["H10", "H11"]
    assert (first.headers["X-Total-Count"], first.headers["X-Limit"]) == ("3", "100")
    link = first.headers["Link"]
    assert link == (
        f'<{roaming.url}{TARIFFS}?offset=2&limit=2&date_from={_t(10)}&date_to={_t(13)}>; rel="next"'
    )
    url = urlsplit(link[1 : link.index(">")])
    second = await roaming.http.get(
        f"{url.path}?{url.query}", headers={"Authorization": f"Token {token}"}
    )
    assert [t["id"] for t in second.json()["data"]] == ["H12"]
    assert "Link" not in second.headers

    bad = await get(roaming, token, date_from="2024-13-01T00:00:00Z")
    assert (bad.status_code, bad.json()["status_code"]) == (200, 2001)
    assert "date_from" in bad.json()["status_message"]
    assert (await get(roaming, "guessed-token")).status_code == 401


async def _rows(pool: AsyncConnectionPool) -> list[Any]:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT * FROM ocpi_tariffs ORDER BY tariff_id")
        return await cur.fetchall()


def _t(hour: int) -> str:
    return f"2024-05-01T{hour:02d}:00:00Z"


@pytest.mark.timeout(90)
async def test_events_on_the_three_topics_reach_the_tables_through_a_real_broker(
    pool: AsyncConnectionPool, kafka: str
) -> None:
    """The consumer the service runs, subscribed on the catalogue's topics (shared: ids are
    unique to this test)."""
    suffix = secrets.token_hex(6)
    group = f"evroam.roaming.cpo-objects.it-{suffix}"
    consumer = cpo_objects_consumer(group=group)
    events = {
        "evroam.tariff.events": published(f"IT-{suffix}", 1, 9),
        "evroam.gateway.events": location(f"IT-{suffix}"),
        "evroam.session.events": started(f"IT-{suffix}"),
    }
    producer, broker = Producer(kafka, "roaming-it"), make_broker(kafka, "roaming-it")
    await producer.start(wait_s=10)
    register_consumer(broker, consumer, pool, producer)
    await broker.start()
    try:
        for topic, event in events.items():
            envelope = Envelope(
                event_id=new_id(),
                type=event.type_name,
                version=event.version,
                source=f"evroam.{event.producer}",
                time=datetime.now(UTC),
                stream_id=f"it-{suffix}",
                stream_version=1,
                payload=event.to_json_dict(),
            )
            await producer.send_envelopes(topic, [envelope, envelope])  # and a redelivery
        for _ in range(300):  # a new group's first assignment takes a few seconds
            if await _found(pool, f"IT-{suffix}") == (1, 1, 1):
                break
            await asyncio.sleep(0.2)
    finally:
        await broker.stop()
        await producer.stop()
    assert await _found(pool, f"IT-{suffix}") == (1, 1, 1)


async def _found(pool: AsyncConnectionPool, object_id: str) -> tuple[int, ...]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT (SELECT count(*) FROM ocpi_tariffs WHERE tariff_id = %(id)s),"
            " (SELECT count(*) FROM ocpi_locations WHERE location_id = %(id)s),"
            " (SELECT count(*) FROM ocpi_sessions WHERE session_id = %(id)s)",
            {"id": object_id},
        )
        row = await cur.fetchone()
    assert row is not None
    return tuple(int(n) for n in row)


def location(location_id: str) -> LocationRegistered:
    return LocationRegistered(
        location_id=location_id,
        address="Stationsplein 1",
        city="Amsterdam",
        country="NLD",
        coordinates=GeoLocation(latitude="52.378900", longitude="4.900000"),
        time_zone="Europe/Amsterdam",
        country_code="NL",
        party_id="EVR",
    )


def started(session_id: str) -> SessionStarted:
    where = location(session_id)
    snapshot = LocationSnapshot(
        **where.model_dump(include={"address", "city", "country", "coordinates", "time_zone"}),
        id=where.location_id,
        country_code="NL",
        party_id="EVR",
        evse_uid="E1",
        evse_id="NL*EVR*E1",
        connector_id="1",
        connector_standard="IEC_62196_T2",
        connector_format="SOCKET",
        connector_power_type="AC_3_PHASE",
    )
    return SessionStarted(
        session_id=session_id,
        station_id="CS1",
        transaction_id="T1",
        started_at=_t(9),
        meter_start_wh=0,
        location=snapshot,
        cdr_token=CdrToken(
            country_code="DE", party_id="TNM", uid="U1", type="RFID", contract_id="C1"
        ),
        auth_method="WHITELIST",
        currency="EUR",
    )
