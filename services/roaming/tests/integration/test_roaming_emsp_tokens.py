"""Our own drivers' tokens in the eMSP role, on real PostgreSQL and real HTTP with a test CPO:
kept from `token.registered` (OCPI 2.2.1 section 3.5), listed page by page to CPOs (section
1.8), answered in real time (section 6.1), and pushed to CPOs' Tokens Receivers."""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.push import Pusher
from evroam_testing.ocpi_partner import OcpiPartner

Connect = Callable[..., Awaitable[tuple[OcpiPartner, str]]]


def uids(response: httpx.Response) -> list[str]:
    assert (response.status_code, response.json()["status_code"]) == (200, 1000), response.text
    return [t["uid"] for t in response.json()["data"]]


async def test_a_cpo_pulls_our_tokens_page_by_page_following_link(
    connect_cpo: Connect, own_token: Any
) -> None:
    cpo, _ = await connect_cpo("BE", "BEC")
    add = own_token.add
    for n in range(3):
        await add(f"T{n}", last_updated=f"2026-11-21T1{n}:00:00Z")
    await add("THEIRS", source="roaming", partner_id="p-9")  # a partner's: not ours to list

    first = await cpo.list_tokens(limit=2)
    assert uids(first) == ["T0", "T1"]
    assert (first.headers["X-Total-Count"], first.headers["X-Limit"]) == ("3", "100")
    [link] = re.findall(r'^<([^>]+)>; rel="next"$', first.headers["Link"])
    assert link.startswith(cpo.our_tokens_url.rstrip("/") + "?offset=2&limit=2")
    last = await cpo.list_tokens(url=link)
    assert uids(last) == ["T2"]
    assert "Link" not in last.headers
    window = await cpo.list_tokens(date_from="2026-11-21T11:00:00Z", date_to="2026-11-21T12:00:00Z")
    assert uids(window) == ["T1"]
    assert first.json()["data"][0]["contract_id"] == "NL-EVR-C12345678-X"


async def test_an_older_version_of_a_token_arriving_late_changes_nothing(
    connect_cpo: Connect, own_token: Any
) -> None:
    cpo, _ = await connect_cpo("BE", "BEC")
    add, consumer = own_token.add, own_token.consumer
    newest = await add("T1", version=2, valid=False)
    await add("T1", version=1)  # re-published late
    await add("T1", version=2, valid=False, event_id=newest.event_id)  # delivered twice
    assert consumer.duplicates == 1
    [token] = (await cpo.list_tokens()).json()["data"]
    assert token["valid"] is False


async def test_a_valid_token_is_allowed_an_invalid_one_blocked_an_unknown_one_404(
    connect_cpo: Connect, own_token: Any, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("BE", "BEC")
    add = own_token.add
    await add("OK1")
    await add("BLOCKED1", valid=False)
    location = {"location_id": "LOC1", "evse_uids": ["BE*BEC*E1"]}

    allowed = await cpo.authorize_token("ok1", location=location)
    info = allowed.json()["data"]
    assert (allowed.status_code, allowed.json()["status_code"], info["allowed"]) == (
        200,
        1000,
        "ALLOWED",
    )
    assert (info["location"], info["token"]["uid"]) == (location, "OK1")
    assert (allowed.headers["OCPI-to-country-code"], allowed.headers["OCPI-to-party-id"]) == (
        "BE",
        "BEC",
    )
    blocked = await cpo.authorize_token("BLOCKED1", type_=None)  # type defaults to RFID
    assert blocked.json()["data"]["allowed"] == "BLOCKED"
    unknown = await cpo.authorize_token("NOT-OURS")
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2004)

    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload, metadata->>'correlation_id' FROM events"
            " WHERE type = 'roaming.realtime_authorization_answered' ORDER BY position"
        )
        answers = await cur.fetchall()
    assert [(p["uid"], p.get("allowed")) for p, _ in answers] == [
        ("ok1", "ALLOWED"),
        ("BLOCKED1", "BLOCKED"),
        ("NOT-OURS", None),
    ]
    assert answers[0][0]["authorization_reference"] == info["authorization_reference"]
    assert all(p["cpo_party_id"] == "BEC" and corr for p, corr in answers)


async def test_an_emsp_partner_may_not_use_our_tokens_sender(
    connect_cpo: Connect, own_token: Any
) -> None:
    emsp, _ = await connect_cpo("DE", "TNM", role="EMSP", plays_cpo=False)
    await own_token.add("OK1")
    for response in (await emsp.authorize_token("OK1"), await emsp.list_tokens()):
        assert (response.status_code, response.json()["status_code"]) == (403, 2000)


@pytest.mark.parametrize("authorization", [None, "Token " + base64.b64encode(b"nope").decode()])
async def test_a_missing_or_wrong_credentials_token_is_401(
    roaming: Any, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    url = f"{roaming.url}/ocpi/emsp/2.2.1/tokens/OK1/authorize"
    response = await roaming.http.post(url, headers=headers)
    assert (response.status_code, response.json()["status_code"]) == (401, 2000)
    listing = await roaming.http.get(f"{roaming.url}/ocpi/emsp/2.2.1/tokens", headers=headers)
    assert listing.status_code == 401


async def test_our_token_is_pushed_to_each_cpos_tokens_receiver_and_to_no_emsp(
    connect_cpo: Connect, own_token: Any, pool: AsyncConnectionPool
) -> None:
    cpo, _ = await connect_cpo("BE", "BEC")
    # It offers a Tokens Receiver, yet is no CPO.
    emsp, _ = await connect_cpo("DE", "TNM", role="EMSP")
    add = own_token.add
    policy = PushPolicy(max_attempts=3, backoff_s=10)
    async with httpx.AsyncClient() as http:
        pusher = Pusher(pool, http, Party("NL", "EVR"), policy, timeout_s=5)
        await add("T1")
        assert await pusher.run_once() == 1
        await add("T1", version=2, valid=False)
        assert await pusher.run_once() == 1

    assert [(p["method"], p["path"], p["type"]) for p in cpo.token_pushes] == [
        ("PUT", "/ocpi/cpo/2.2.1/tokens/NL/EVR/T1", "RFID")
    ] * 2
    assert cpo.pushed_tokens["NL/EVR/T1/RFID"]["valid"] is False
    headers = cpo.token_pushes[0]["headers"]
    assert headers["authorization"] == "Token " + base64.b64encode(cpo.token_b.encode()).decode()
    assert (headers["ocpi-from-party-id"], headers["ocpi-to-party-id"]) == ("EVR", "BEC")
    assert emsp.token_pushes == []
