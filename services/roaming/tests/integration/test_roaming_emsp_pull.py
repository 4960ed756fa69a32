"""Pulling a partner CPO's Sender lists as its eMSP (OCPI 2.2.1 section 1.8) through the admin
API, from a real partner over real HTTP that pages with `Link`: every page is read, every
object is stored exactly as a push would be (same events, same `last_updated` rule), and bad
objects or a bad page are reported, not fatal."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_testing.ocpi_partner import OcpiPartner

ADMIN = {"Authorization": "Bearer it-admin-token"}
T1, T2, T3 = "2025-01-01T11:00:00Z", "2025-01-01T12:00:00Z", "2025-01-01T13:00:00Z"
Connect = Callable[..., Awaitable[tuple[OcpiPartner, str]]]


async def pull(roaming: Any, partner_id: str, module: str, **params: Any) -> dict[str, Any]:
    url = f"/admin/partners/{partner_id}/pull/{module}"
    response = await roaming.http.post(url, headers=ADMIN, params=params)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def count(pool: AsyncConnectionPool, type_: str) -> int:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM events WHERE type = %s", (type_,))
        row = await cur.fetchone()
    return int(row[0]) if row else 0


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_a_pull_follows_link_through_every_page_and_stores_every_object(
    roaming: Any, connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, partner_id = await connect_cpo("DE", "TNM")
    cpo.page_limit = 2
    cpo.offer("locations", *(cpo.location_object(f"LOC{n}", "E1") for n in range(5)))

    report = await pull(roaming, partner_id, "locations", limit=10)

    assert report == {
        "partner_id": partner_id, "module": "locations", "complete": True, "pages": 3,
        "objects": 5, "stored": 5, "unchanged": 0, "rejected": [], "error": None,
    }  # fmt: skip
    for n in range(5):  # read back through the Receiver, as the CPO would
        got = await cpo.get_location(f"LOC{n}")
        assert got.json()["data"] == cpo.location_object(f"LOC{n}", "E1")
    assert await count(pool, "roaming.location_received") == 5
    requests = cpo.list_requests
    assert [query(r["url"]).get("offset") for r in requests] == [None, ["2"], ["4"]]
    assert query(requests[0]["url"])["limit"] == ["10"]
    headers = [r["headers"] for r in requests]
    token = base64.b64encode(cpo.token_b.encode()).decode()
    assert {h["authorization"] for h in headers} == {f"Token {token}"}
    assert len({h["x-request-id"] for h in headers}) == 3
    assert len({h["x-correlation-id"] for h in headers}) == 1
    assert (headers[0]["ocpi-from-country-code"], headers[0]["ocpi-from-party-id"]) == ("NL", "EVR")
    assert (headers[0]["ocpi-to-country-code"], headers[0]["ocpi-to-party-id"]) == ("DE", "TNM")


async def test_pulling_again_changes_only_what_is_newer_than_what_we_hold(
    roaming: Any, connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, partner_id = await connect_cpo("DE", "TNM")
    cpo.page_limit = 2
    cpo.offer("locations", *(cpo.location_object(f"LOC{n}", "E1") for n in range(3)))
    await pull(roaming, partner_id, "locations")
    # A push newer than the CPO's list arrived meanwhile: the pull must not undo it.
    await cpo.patch_location("LOC0", {"status": "CHARGING", "last_updated": T3}, "E1")
    cpo.sender_objects["locations"][2] = cpo.location_object("LOC2", "E1", "E2", last_updated=T2)

    again = await pull(roaming, partner_id, "locations")
    since = await pull(roaming, partner_id, "locations", date_from=T1)

    assert (again["objects"], again["stored"], again["unchanged"]) == (3, 1, 2)
    assert (since["pages"], since["objects"], since["stored"]) == (1, 1, 0)
    assert query(cpo.list_requests[-1]["url"])["date_from"] == [T1]
    evse = (await cpo.get_location("LOC0", "E1")).json()["data"]
    assert evse["status"] == "CHARGING"
    assert len((await cpo.get_location("LOC2")).json()["data"]["evses"]) == 2
    assert await count(pool, "roaming.location_received") == 5  # 3 + the PATCH + LOC2


async def test_bad_or_foreign_objects_are_reported_and_the_others_stored(
    roaming: Any, connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, partner_id = await connect_cpo("DE", "TNM")
    foreign = {**cpo.session_object("S3"), "country_code": "FR", "party_id": "XYZ"}
    cpo.offer(
        "sessions",
        cpo.session_object("S1"),
        cpo.session_object("S2", kwh="12", last_updated=T1),
        {**foreign, "last_updated": T2},
        "not an object",
    )

    report = await pull(roaming, partner_id, "sessions")

    assert (report["complete"], report["objects"], report["stored"]) == (True, 4, 1)
    reasons = {r["id"]: r["reason"] for r in report["rejected"]}
    assert "kwh" in reasons["S2"]
    assert "must be a JSON number" in reasons["S2"]
    assert reasons["S3"] == f"FR*XYZ is not a party of partner {partner_id}"
    assert reasons[None] == "a Session must be a JSON object"
    # The Sessions Sender requires date_from (section 1.8): we ask from the beginning.
    assert query(cpo.list_requests[0]["url"])["date_from"] == ["1970-01-01T00:00:00Z"]
    assert await count(pool, "roaming.session_received") == 1


async def test_cdrs_and_tariffs_are_pulled_once_and_recorded_as_pushed_ones(
    roaming: Any, connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    cpo, partner_id = await connect_cpo("DE", "TNM")
    cpo.page_limit = 1
    cpo.offer("cdrs", cpo.cdr_object("C1"), cpo.cdr_object("C2", last_updated=T1))
    cpo.offer("tariffs", cpo.tariff_object("T-1"))
    await cpo.post_cdr(cpo.cdr_object("C1"))  # pushed before: the same CDR is not news

    cdrs = await pull(roaming, partner_id, "cdrs")
    tariffs = await pull(roaming, partner_id, "tariffs")
    cpo.sender_objects["cdrs"][1] = cpo.cdr_object("C2", remark="changed", last_updated=T1)
    changed = await pull(roaming, partner_id, "cdrs")

    assert (cdrs["pages"], cdrs["stored"], cdrs["unchanged"]) == (2, 1, 1)
    assert (tariffs["stored"], tariffs["rejected"]) == (1, [])
    assert changed["rejected"] == [
        {
            "id": "C2",
            "reason": "CDR DE*TNM*C2 was received before and a CDR never changes: send a"
            " credit CDR and a new CDR with a new id",
        }
    ]
    assert await count(pool, "roaming.cdr_received") == 2
    assert await count(pool, "roaming.tariff_received") == 1


async def test_a_pulled_session_or_cdr_of_another_emsps_token_is_reported_not_stored(
    roaming: Any, connect_cpo: Connect, pool: AsyncConnectionPool
) -> None:
    """The rule of a push (ADR 0024): only our own drivers' sessions and CDRs are ours."""
    cpo, partner_id = await connect_cpo("DE", "TNM")
    cpo.offer("sessions", cpo.session_object("S-EMY", token_owner=("DE", "EMY")))
    cpo.offer("cdrs", cpo.cdr_object("C-EMY", token_owner=("DE", "EMY")), cpo.cdr_object("C1"))

    sessions = await pull(roaming, partner_id, "sessions")
    cdrs = await pull(roaming, partner_id, "cdrs")

    assert (sessions["stored"], cdrs["stored"]) == (0, 1)
    not_ours = "cdr_token belongs to DE*EMY, not to an eMSP party of ours (NL*EVR)"
    assert [r["id"] for r in sessions["rejected"]] == ["S-EMY"]
    assert not_ours in sessions["rejected"][0]["reason"]
    assert [r["id"] for r in cdrs["rejected"]] == ["C-EMY"]
    assert not_ours in cdrs["rejected"][0]["reason"]
    assert await count(pool, "roaming.session_received") == 0
    assert await count(pool, "roaming.cdr_received") == 1


async def test_a_failing_page_ends_the_pull_keeping_what_came_before(
    roaming: Any, connect_cpo: Connect
) -> None:
    cpo, partner_id = await connect_cpo("DE", "TNM")
    cpo.page_limit, cpo.failing_offsets = 2, {2}
    cpo.offer("tariffs", *(cpo.tariff_object(f"T{n}") for n in range(5)))

    report = await pull(roaming, partner_id, "tariffs")

    assert (report["complete"], report["pages"], report["stored"]) == (False, 1, 2)
    assert "HTTP 500, OCPI status 3000" in report["error"]
    assert (await cpo.get_tariff("T1")).status_code == 200


async def test_a_next_link_to_another_host_is_not_followed(
    roaming: Any, connect_cpo: Connect
) -> None:
    cpo, partner_id = await connect_cpo("DE", "TNM")
    cpo.page_limit, cpo.next_link_base = 1, "http://evil.example/ocpi/cpo/2.2.1/tariffs"
    cpo.offer("tariffs", cpo.tariff_object("T1"), cpo.tariff_object("T2"))

    report = await pull(roaming, partner_id, "tariffs")

    assert (report["complete"], report["pages"], report["stored"]) == (False, 1, 1)
    assert "not at the partner's host: http://evil.example/" in report["error"]
    assert len(cpo.list_requests) == 1


async def test_pulling_needs_the_admin_token_and_a_partner_offering_that_sender(
    roaming: Any, connect_cpo: Connect
) -> None:
    _, cpo_id = await connect_cpo("DE", "TNM")
    _, emsp_id = await connect_cpo("NL", "ABC", role="EMSP", plays_cpo=False)
    http: httpx.AsyncClient = roaming.http
    no_admin = await http.post(f"/admin/partners/{cpo_id}/pull/locations")
    unknown = await http.post("/admin/partners/nobody/pull/locations", headers=ADMIN)
    no_sender = await http.post(f"/admin/partners/{emsp_id}/pull/locations", headers=ADMIN)
    no_module = await http.post(f"/admin/partners/{cpo_id}/pull/tokens", headers=ADMIN)
    assert no_admin.status_code == 401
    assert (unknown.status_code, no_sender.status_code) == (404, 404)
    assert "offers no locations Sender" in no_sender.json()["detail"]
    assert no_module.status_code == 422
