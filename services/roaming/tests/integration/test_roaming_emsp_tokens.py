"""Our own drivers' tokens in the eMSP role, on real PostgreSQL and real HTTP with a test CPO:
kept from `token.registered` (OCPI 2.2.1 section 3.5), listed page by page to CPOs (section
1.8), answered in real time (section 6.1), and pushed to CPOs' Tokens Receivers."""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope
from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.ids import new_id
from evroam_messaging import Producer
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.emsp_consumers import emsp_tokens_consumer
from evroam_roaming.handlers.push import Pusher
from evroam_testing.ocpi_partner import OcpiPartner

Connect = Callable[..., Awaitable[OcpiPartner]]
Own = Callable[..., Awaitable[Envelope]]
ADMIN = {"Authorization": "Bearer it-admin-token"}  # the conftest's admin token


@pytest.fixture
async def connect(roaming: Any) -> AsyncIterator[Connect]:
    """A started partner admitted with `role` and registered over OCPI; `plays_cpo`: its
    version details offer a Tokens (and Commands) Receiver."""
    async with contextlib.AsyncExitStack() as stack:

        async def call(cc: str, pid: str, role: str = "CPO", plays_cpo: bool = True) -> OcpiPartner:
            partner = await stack.enter_async_context(OcpiPartner(cc, pid))
            partner.plays_cpo = plays_cpo
            body = {"name": f"{cc}*{pid}", "country_code": cc, "party_id": pid, "role": role}
            answer = await roaming.http.post("/admin/partners", headers=ADMIN, json=body)
            assert answer.status_code == 201, answer.text
            await roaming.recognised(answer.json()["token"])
            await partner.register(roaming.versions_url, answer.json()["token"])
            await roaming.connected(answer.json()["partner_id"])
            return partner

        yield call


@pytest.fixture
def own(deliver: Callable[..., Awaitable[None]], unstarted_producer: Producer) -> tuple[Own, Any]:
    """Deliver `token.registered` for one of our tokens as the authorization service's relay
    publishes it (stream version `version`); returns the envelope, and the consumer."""
    consumer = emsp_tokens_consumer()

    async def call(uid: str, *, version: int = 1, event_id: Any = None, **fields: Any) -> Envelope:
        event = TokenRegistered(**(token_fields(uid) | fields))
        envelope = Envelope(
            event_id=event_id or new_id(),
            type=event.type_name,
            version=event.version,
            source="evroam.authorization",
            time=datetime.now(UTC),
            stream_id=f"token-NL-EVR-{event.type}-{uid}",
            stream_version=version,
            payload=event.to_json_dict(),
        )
        await deliver(envelope, consumer, unstarted_producer)
        assert consumer.dead_lettered == 0
        return envelope

    return call, consumer


def token_fields(uid: str) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EVR",
        "uid": uid,
        "type": "RFID",
        "contract_id": "NL-EVR-C12345678-X",
        "issuer": "evroam",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-11-21T10:00:00Z",
        "source": "own",
    }


def uids(response: httpx.Response) -> list[str]:
    assert (response.status_code, response.json()["status_code"]) == (200, 1000), response.text
    return [t["uid"] for t in response.json()["data"]]


async def test_a_cpo_pulls_our_tokens_page_by_page_following_link(
    connect: Connect, own: tuple[Own, Any]
) -> None:
    cpo = await connect("BE", "BEC")
    add, _ = own
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
    connect: Connect, own: tuple[Own, Any]
) -> None:
    cpo = await connect("BE", "BEC")
    add, consumer = own
    newest = await add("T1", version=2, valid=False)
    await add("T1", version=1)  # re-published late
    await add("T1", version=2, valid=False, event_id=newest.event_id)  # delivered twice
    assert consumer.duplicates == 1
    [token] = (await cpo.list_tokens()).json()["data"]
    assert token["valid"] is False


async def test_a_valid_token_is_allowed_an_invalid_one_blocked_an_unknown_one_404(
    connect: Connect, own: tuple[Own, Any], pool: AsyncConnectionPool
) -> None:
    cpo = await connect("BE", "BEC")
    add, _ = own
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
    connect: Connect, own: tuple[Own, Any]
) -> None:
    emsp = await connect("DE", "TNM", role="EMSP", plays_cpo=False)
    await own[0]("OK1")
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
    connect: Connect, own: tuple[Own, Any], pool: AsyncConnectionPool
) -> None:
    cpo = await connect("BE", "BEC")
    emsp = await connect("DE", "TNM", role="EMSP")  # offers a Tokens Receiver, yet no CPO
    add, _ = own
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
