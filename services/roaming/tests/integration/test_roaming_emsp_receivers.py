"""Our eMSP Receivers (OCPI 2.2.1 sections 3.1-3.4) with a real partner CPO pushing over real
HTTP into the real PostgreSQL: what is stored, read back and recorded as events, and what
each kind of bad request gets (docs/adr/0020-emsp-receivers-and-pulling.md)."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import decode_payload
from evroam_contracts.roaming_received import CdrReceived, SessionReceived
from evroam_testing.ocpi_partner import OcpiPartner

T1, T2, T3 = "2025-01-01T11:00:00Z", "2025-01-01T12:00:00Z", "2025-01-01T13:00:00Z"
Connect = Callable[..., Awaitable[tuple[OcpiPartner, str]]]


async def events(pool: AsyncConnectionPool, type_: str) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload FROM events WHERE type = %s ORDER BY position", (type_,)
        )
        return [row[0] for row in await cur.fetchall()]


def status(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["status_code"]


def data(response: httpx.Response) -> Any:
    assert status(response) == (200, 1000), response.text
    return response.json()["data"]


async def test_our_version_details_offer_the_receivers_beside_our_cpo_senders(
    connect_cpo: Connect,
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    for module in ("locations", "sessions", "cdrs", "tariffs"):
        assert cpo.our_endpoints[(module, "RECEIVER")].endswith(f"/ocpi/emsp/2.2.1/{module}/")
    for module in ("locations", "sessions", "cdrs", "tariffs"):
        assert cpo.our_endpoints[(module, "SENDER")].endswith(f"/ocpi/cpo/2.2.1/{module}/")


async def test_a_location_put_is_stored_read_back_whole_and_recorded(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    location = cpo.location_object("LOC1", "EVSE1", "EVSE2", name="Depot")
    created = await cpo.put_location(location)
    assert status(created) == (201, 1000)
    assert created.headers["OCPI-to-party-id"] == "TNM"
    assert data(await cpo.get_location("LOC1")) == location
    assert data(await cpo.get_location("loc1", "evse2"))["uid"] == "EVSE2"  # CiStrings
    assert data(await cpo.get_location("LOC1", "EVSE2", "1"))["standard"] == "IEC_62196_T2"
    assert status(await cpo.put_location(location)) == (200, 1000)  # the same again
    [event] = await events(pool, "roaming.location_received")
    assert event["location"]["id"] == "LOC1"
    assert event["location"]["evses"][1]["uid"] == "EVSE2"
    assert event["partner_id"]
    assert event.get("evse_uid") is None


async def test_an_evse_status_patch_changes_the_evse_and_moves_the_location(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    await cpo.put_location(cpo.location_object("LOC1", "EVSE1", "EVSE2"))
    patched = await cpo.patch_location("LOC1", {"status": "CHARGING", "last_updated": T1}, "EVSE1")
    assert status(patched) == (200, 1000)
    location = data(await cpo.get_location("LOC1"))
    assert [e["status"] for e in location["evses"]] == ["CHARGING", "AVAILABLE"]
    assert (location["evses"][0]["last_updated"], location["last_updated"]) == (T1, T1)
    [_, event] = await events(pool, "roaming.location_received")
    assert event["evse_uid"] == "EVSE1"
    assert event["location"]["evses"][0]["status"] == "CHARGING"


async def test_an_evse_and_a_connector_are_put_and_a_connector_patched_on_their_own(
    connect_cpo: Connect,
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    await cpo.put_location(cpo.location_object("LOC1", "EVSE1"))
    assert status(await cpo.put_evse("LOC1", cpo.evse_object("EVSE9", last_updated=T1))) == (
        200,
        1000,
    )
    connector = cpo.connector_object("2", last_updated=T2, standard="CHADEMO", power_type="DC")
    assert status(await cpo.put_connector("LOC1", "EVSE9", connector)) == (200, 1000)
    patch = {"tariff_ids": ["T-DC"], "last_updated": T3}
    assert status(await cpo.patch_location("LOC1", patch, "EVSE9", "2")) == (200, 1000)
    location = data(await cpo.get_location("LOC1"))
    assert [e["uid"] for e in location["evses"]] == ["EVSE1", "EVSE9"]
    evse = location["evses"][1]
    assert [c["id"] for c in evse["connectors"]] == ["1", "2"]
    assert evse["connectors"][1]["tariff_ids"] == ["T-DC"]
    assert (evse["last_updated"], location["last_updated"]) == (T3, T3)


async def test_a_session_patch_appends_its_charging_periods(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    period = {
        "start_date_time": "2025-01-01T09:00:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 2.5}],
    }
    session = cpo.session_object("S1", charging_periods=[period])
    assert status(await cpo.put_session(session)) == (201, 1000)
    later = {**period, "start_date_time": "2025-01-01T09:15:00Z"}
    patch = {
        "kwh": 5.25,
        "charging_periods": [later],
        "total_cost": {"excl_vat": 1.80},
        "last_updated": T1,
    }
    assert status(await cpo.patch_session("S1", patch)) == (200, 1000)
    stored = data(await cpo.get_session("S1"))
    assert [p["start_date_time"] for p in stored["charging_periods"]] == [
        "2025-01-01T09:00:00Z",
        "2025-01-01T09:15:00Z",
    ]
    assert (stored["kwh"], stored["total_cost"], stored["status"]) == (
        5.25,
        {"excl_vat": 1.80},
        "ACTIVE",
    )
    payloads = await events(pool, "roaming.session_received")
    decoded = decode_payload("roaming.session_received", 1, payloads[-1])
    assert isinstance(decoded, SessionReceived)
    assert len(decoded.session.charging_periods) == 2
    assert str(decoded.session.kwh) == "5.25"


async def test_a_posted_cdr_is_read_back_at_its_location_and_recorded_for_billing(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    await cpo.put_location(cpo.location_object("LOC1", "EVSE1"))  # the CDR's location
    cdr = cpo.cdr_object("CDR-1")
    posted = await cpo.post_cdr(cdr)
    assert status(posted) == (201, 1000)
    assert posted.headers["Location"].endswith("/ocpi/emsp/2.2.1/cdrs/DE/TNM/CDR-1")
    assert data(await cpo.request("GET", posted.headers["Location"])) == cdr
    [payload] = await events(pool, "roaming.cdr_received")
    event = decode_payload("roaming.cdr_received", 1, payload)
    assert isinstance(event, CdrReceived)
    assert (event.cdr.id, str(event.cdr.total_cost.excl_vat)) == ("CDR-1", "4.38")
    assert (event.cdr.cdr_token.country_code, event.cdr.cdr_token.party_id) == ("NL", "EVR")
    assert event.partner_id == payload["partner_id"] != ""
    # OCPI's CdrLocation has no time zone: it comes from the Location the CPO sent us.
    assert event.time_zone == "Europe/Amsterdam"


async def test_a_cdr_resent_is_acknowledged_once_and_another_under_its_id_is_refused(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    first = await cpo.post_cdr(cpo.cdr_object("CDR-1"))
    again = await cpo.post_cdr(cpo.cdr_object("CDR-1"))
    changed = await cpo.post_cdr(cpo.cdr_object("CDR-1", total_cost={"excl_vat": 1.00}))
    assert status(again) == (200, 1000)
    assert again.headers["Location"] == first.headers["Location"]
    assert status(changed) == (409, 2000)
    assert "credit CDR" in changed.json()["status_message"]
    credit = cpo.cdr_object(
        "CDR-1-C",
        credit=True,
        credit_reference_id="CDR-1",
        total_cost={"excl_vat": -4.38, "incl_vat": -5.30},
    )
    assert status(await cpo.post_cdr(credit)) == (201, 1000)
    assert len(await events(pool, "roaming.cdr_received")) == 2


async def test_a_tariff_is_put_read_deleted_and_only_a_newer_put_brings_it_back(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    tariff = cpo.tariff_object("T1", last_updated=T1)
    assert status(await cpo.put_tariff(tariff)) == (201, 1000)
    assert data(await cpo.get_tariff("T1")) == tariff
    assert status(await cpo.delete_tariff("T1")) == (200, 1000)
    assert status(await cpo.get_tariff("T1")) == (404, 2000)
    late = await cpo.put_tariff(tariff)  # an older push arriving after the DELETE
    assert status(late) == (200, 1000)
    assert "newer last_updated" in late.json()["status_message"]
    assert status(await cpo.get_tariff("T1")) == (404, 2000)
    assert status(await cpo.put_tariff({**tariff, "last_updated": T2})) == (201, 1000)
    assert len(await events(pool, "roaming.tariff_received")) == 2
    [deleted] = await events(pool, "roaming.tariff_deleted")
    assert (deleted["country_code"], deleted["party_id"], deleted["tariff_id"]) == (
        "DE",
        "TNM",
        "T1",
    )


async def test_an_update_older_than_what_we_hold_changes_nothing(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    await cpo.put_location(cpo.location_object("LOC1", "EVSE1", last_updated=T2))
    await cpo.put_session(cpo.session_object("S1", last_updated=T2))
    await cpo.put_tariff(cpo.tariff_object("T1", last_updated=T2))
    stale = [
        await cpo.put_location(cpo.location_object("LOC1", "EVSE1", name="Old", last_updated=T1)),
        await cpo.patch_location("LOC1", {"status": "CHARGING", "last_updated": T1}, "EVSE1"),
        await cpo.put_evse("LOC1", cpo.evse_object("EVSE1", "BLOCKED", last_updated=T1)),
        await cpo.patch_session("S1", {"status": "COMPLETED", "last_updated": T1}),
        await cpo.put_session(cpo.session_object("S1", status="INVALID", last_updated=T1)),
        await cpo.put_tariff(cpo.tariff_object("T1", currency="USD", last_updated=T1)),
    ]
    for response in stale:
        assert status(response) == (200, 1000)
        assert response.json()["status_message"].startswith("Ignored"), response.text
    assert data(await cpo.get_location("LOC1", "EVSE1"))["status"] == "AVAILABLE"
    assert data(await cpo.get_session("S1"))["status"] == "ACTIVE"
    assert data(await cpo.get_tariff("T1"))["currency"] == "EUR"
    for type_ in ("location", "session", "tariff"):
        assert len(await events(pool, f"roaming.{type_}_received")) == 1


async def test_unknown_objects_get_404_with_2003_for_locations_and_2000_otherwise(
    connect_cpo: Connect,
) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    patch = {"status": "CHARGING", "last_updated": T1}
    await cpo.put_location(cpo.location_object("LOC1", "EVSE1"))
    unknown_location = [
        await cpo.get_location("NOPE"),
        await cpo.get_location("LOC1", "NOPE"),
        await cpo.get_location("LOC1", "EVSE1", "9"),
        await cpo.patch_location("NOPE", {"name": "x", "last_updated": T1}),
        await cpo.patch_location("LOC1", patch, "NOPE"),
        await cpo.patch_location("LOC1", {"max_voltage": 400, "last_updated": T1}, "EVSE1", "9"),
        await cpo.put_evse("NOPE", cpo.evse_object("EVSE1")),
    ]
    for response in unknown_location:
        assert status(response) == (404, 2003), response.text
    others = [
        await cpo.get_session("NOPE"),
        await cpo.patch_session("NOPE", {"kwh": 1, "last_updated": T1}),
        await cpo.get_tariff("NOPE"),
        await cpo.delete_tariff("NOPE"),
        await cpo.request("GET", cpo.receiver_url("cdrs", "DE", "TNM", "NOPE")),
    ]
    for response in others:
        assert status(response) == (404, 2000), response.text


async def test_malformed_bodies_get_2001_with_the_reason(connect_cpo: Connect) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    await cpo.put_location(cpo.location_object("LOC1", "EVSE1"))
    await cpo.put_session(cpo.session_object("S1"))
    location, session = cpo.location_object("LOC2", "E1"), cpo.session_object("S2")
    del location["address"]
    cases = {
        "body is not JSON": await cpo.request(
            "PUT", cpo.receiver_url("locations", "DE", "TNM", "LOC9"), content=b"{nope"
        ),
        "address": await cpo.put_location(location),
        "kwh": await cpo.put_session({**session, "kwh": "15"}),  # a string is no number
        "last_updated": await cpo.patch_session("S1", {"kwh": 2}),
        "not Session fields: colour": await cpo.patch_session(
            "S1", {"colour": "red", "last_updated": T1}
        ),
        "cannot remove fields (null): meter_id": await cpo.patch_session(
            "S1", {"meter_id": None, "last_updated": T1}
        ),
        "status": await cpo.patch_location(
            "LOC1", {"status": "BROKEN", "last_updated": T1}, "EVSE1"
        ),
        "differs from the URL in: id": await cpo.request(
            "PUT", cpo.receiver_url("sessions", "DE", "TNM", "OTHER"), json=session
        ),
        "is not an OCPI DateTime": await cpo.put_tariff(
            cpo.tariff_object("T1", last_updated="1 Jan 2025")
        ),
        "elements": await cpo.put_tariff(cpo.tariff_object("T1", elements=[])),
        "charging_periods": await cpo.post_cdr(cpo.cdr_object("C1", charging_periods=[])),
        "credit_reference_id": await cpo.post_cdr(cpo.cdr_object("C2", credit=True)),
    }
    for reason, response in cases.items():
        # Not JSON is an HTTP error; JSON that is no valid object reached the OCPI layer.
        http = 400 if reason == "body is not JSON" else 200
        assert status(response) == (http, 2001), (reason, response.text)
        assert reason in response.json()["status_message"], (reason, response.text)
    assert data(await cpo.get_location("LOC1", "EVSE1"))["status"] == "AVAILABLE"


async def test_a_partner_cannot_write_or_read_under_another_party(
    connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    owner, _ = await connect_cpo("DE", "TNM")
    other, _ = await connect_cpo("NL", "ABC")
    await owner.put_location(owner.location_object("LOC1", "EVSE1"))
    theirs = ("DE", "TNM")
    refused = [
        await other.request(
            "PUT",
            other.receiver_url("locations", "DE", "TNM", "LOC1"),
            json={**owner.location_object("LOC1", "EVSE1"), "name": "Mine"},
        ),
        await other.get_location("LOC1", owner=theirs),
        await other.get_location("NEVER", owner=theirs),
        await other.patch_location(
            "LOC1", {"status": "BLOCKED", "last_updated": T3}, "EVSE1", owner=theirs
        ),
        await other.get_session("S1", owner=theirs),
        await other.get_tariff("T1", owner=theirs),
        await other.post_cdr(owner.cdr_object("C1")),  # a CDR names its owner in the body
    ]
    for response in refused:
        assert status(response) == (404, 2001), response.text
        assert response.json()["status_message"] == "DE*TNM is not a party of your platform"
    assert data(await owner.get_location("LOC1", "EVSE1"))["status"] == "AVAILABLE"
    assert len(await events(pool, "roaming.location_received")) == 1
    assert await events(pool, "roaming.cdr_received") == []


async def test_without_a_valid_credentials_token_the_answer_is_401(connect_cpo: Connect) -> None:
    cpo, _ = await connect_cpo("DE", "TNM")
    url = cpo.receiver_url("locations", "DE", "TNM", "LOC1")
    wrong = {"Authorization": "Token " + base64.b64encode(b"not-a-token").decode()}
    async with httpx.AsyncClient() as http:
        for headers in ({}, wrong):
            response = await http.put(url, headers=headers, json=cpo.location_object("LOC1"))
            assert status(response) == (401, 2000)
            assert (await http.post(cpo.receiver_url("cdrs"), headers=headers)).status_code == 401


async def test_a_hub_writes_for_its_connected_clients_only(
    roaming: Any, connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    hub, _ = await connect_cpo("NL", "HUB", role="HUB")
    assert hub.token_c is not None
    auth = {"Authorization": "Token " + base64.b64encode(hub.token_c.encode()).decode()}
    info = {
        "country_code": "DE",
        "party_id": "TNM",
        "role": "CPO",
        "status": "CONNECTED",
        "last_updated": T1,
    }
    put = await roaming.http.put("/ocpi/2.2.1/clientinfo/DE/TNM", headers=auth, json=info)
    assert put.json()["status_code"] == 1000
    client = OcpiPartner("DE", "TNM")  # only its objects' builders: the hub sends them
    speaking = {**auth, "OCPI-from-country-code": "DE", "OCPI-from-party-id": "TNM"}
    url = "/ocpi/emsp/2.2.1/locations/DE/TNM/"
    addressed = await roaming.http.put(
        url + "LOC1", headers=speaking, json=client.location_object("LOC1", "E1")
    )
    broadcast = await roaming.http.put(
        url + "LOC2", headers=auth, json=client.location_object("LOC2", "E1")
    )
    stranger = OcpiPartner("FR", "XYZ").location_object("LOC3", "E1")
    not_a_client = await roaming.http.put(
        "/ocpi/emsp/2.2.1/locations/FR/XYZ/LOC3", headers=auth, json=stranger
    )
    assert status(addressed) == (201, 1000)
    assert addressed.headers["OCPI-to-party-id"] == "TNM"
    assert status(broadcast) == (201, 1000)
    assert status(not_a_client) == (404, 2001)
    stored = await events(pool, "roaming.location_received")
    assert [e["location"]["id"] for e in stored] == ["LOC1", "LOC2"]
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT partner_id FROM view_partners_v1 WHERE party_id = 'HUB'")
        row = await cur.fetchone()
    assert row is not None
    assert {e["partner_id"] for e in stored} == {row[0]}  # the platform that sent them
