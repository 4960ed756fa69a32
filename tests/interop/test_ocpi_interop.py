"""Our roaming service (the CPO) against an eMSP built from a third-party OCPI 2.2.1 library,
extrawest-ocpi, in both roles: the library's client steps call us (registration, credentials
update and unregister, CDRs pull with pagination, Tokens pushes), and our service calls the
library's server (registration callbacks with token B, real-time authorization). Every body the
partner sends is built with the library's models and every answer it gets is checked with them.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.roaming import AuthorizeRealtime, RealtimeAuthorization
from evroam_roaming.adapters.postgres import tokens_sender
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.tokens.authorize import authorize_call

UID = "04A1B2C3D4"
TOKEN: dict[str, Any] = {  # the fields the library's Token model needs besides the owner and uid
    "type": "RFID",
    "contract_id": "DE-TNM-C04A1B2C3-X",
    "issuer": "Interop eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2025-01-01T10:00:00Z",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def status_with(roaming: Any, token: str) -> int:
    """The HTTP status of our versions endpoint for `token`: 200 if we accept it, else 401."""
    response: httpx.Response = await roaming.http.get("/ocpi/versions", headers=auth(token))
    return response.status_code


async def registered(roaming: Any, emsp: Any) -> dict[str, Any]:
    token_a = await roaming.admit(emsp.country_code, emsp.party_id)
    answer: dict[str, Any] = await emsp.register(roaming.versions_url, token_a)
    assert (answer["http_status"], answer["status_code"]) == (200, 1000), answer
    return answer | {"token_a": token_a}


async def test_the_library_registers_with_token_a_and_our_callbacks_pass_its_authentication(
    emsp: Any, roaming: Any, pool: AsyncConnectionPool
) -> None:
    answer = await registered(roaming, emsp)
    token_b = (await emsp.drive("GET", "ready"))["token_b"]

    assert answer["token"] not in (answer["token_a"], token_b)
    assert answer["url"] == roaming.versions_url
    roles = [(r["role"], r["country_code"], r["party_id"]) for r in answer["roles"]]
    assert roles == [("CPO", "nl", "evr"), ("EMSP", "nl", "evr")]  # CiStrings: lower-cased
    assert await status_with(roaming, answer["token_a"]) == 401
    assert await status_with(roaming, answer["token"]) == 200
    async with pool.connection() as conn:  # what our callbacks read from the library
        sender = await tokens_sender(conn, Party.of("DE", "TNM"))
    assert sender is not None
    assert sender.tokens_url == f"{emsp.url}/ocpi/emsp/2.2.1/tokens/"
    assert sender.token == token_b


async def test_cdrs_are_pulled_page_by_page_and_every_one_is_a_valid_library_cdr(
    emsp: Any, roaming: Any, issue: Any, make_cdr: Any
) -> None:
    await registered(roaming, emsp)
    for n in range(1, 6):
        await issue(make_cdr(f"C{n}", last_updated=f"2024-05-01T1{n}:00:00.5Z"))
    await issue(make_cdr("OTHER", token_owner=("NL", "ABC")))  # not DE*TNM's to see

    pulled = await emsp.drive("POST", "pull-cdrs", json={"limit": 2})

    assert [p["count"] for p in pulled["pages"]] == [2, 2, 1]
    assert {(p["http_status"], p["X-Total-Count"], p["X-Limit"]) for p in pulled["pages"]} == {
        (200, "5", "100")
    }
    assert [c["id"] for c in pulled["cdrs"]] == ["c1", "c2", "c3", "c4", "c5"]
    first = pulled["cdrs"][0]
    assert (first["country_code"], first["party_id"]) == ("be", "bec")  # the spec's example
    assert first["cdr_token"]["party_id"] == "tnm"
    assert first["last_updated"] == "2024-05-01T11:00:00Z"  # the library keeps whole seconds
    assert (first["total_cost"]["excl_vat"], first["total_energy"]) == (4.0, 15.342)


async def test_a_token_built_with_the_library_is_put_then_read_back_unchanged(
    emsp: Any, roaming: Any
) -> None:
    await registered(roaming, emsp)

    put = await emsp.drive("PUT", f"tokens/{UID}", json=TOKEN)
    assert (put["http_status"], put["status_code"]) == (201, 1000)
    assert put["data_sent"] is False  # allowed (section 1.6); the library's model requires it

    got = await _read_when_known(emsp, UID)
    # CiStrings: the library lower-cases them, and we keep the partner's spelling.
    sent = {"country_code": "de", "party_id": "tnm", "uid": UID.lower(), **TOKEN}
    sent["contract_id"] = TOKEN["contract_id"].lower()
    assert {k: v for k, v in got["token"].items() if v is not None} == sent


async def test_the_librarys_own_push_reaches_our_tokens_receiver(emsp: Any, roaming: Any) -> None:
    """The library joins `{tokens endpoint}{country_code}/...` (OCPI module chapters): our
    endpoint URLs end in `/` for that, and a `//` from the other reading is joined too."""
    await registered(roaming, emsp)
    await emsp.drive("PUT", f"tokens/{UID}", json=TOKEN)  # so that the library holds it

    pushed = await emsp.drive("POST", f"push/tokens/{UID}")

    assert pushed["status_code"] in (200, 201), pushed
    assert pushed["response"]["status_code"] == 1000


async def test_credentials_update_and_unregister_from_the_library_side(
    emsp: Any, roaming: Any
) -> None:
    first = await registered(roaming, emsp)

    updated = await emsp.drive("PUT", "credentials")
    assert (updated["http_status"], updated["status_code"]) == (200, 1000), updated
    assert updated["token"] != first["token"]
    assert await status_with(roaming, first["token"]) == 401
    assert await status_with(roaming, updated["token"]) == 200

    gone = await emsp.drive("DELETE", "credentials")
    assert (gone["http_status"], gone["status_code"]) == (200, 1000), gone
    assert await status_with(roaming, updated["token"]) == 401


async def test_real_time_authorization_asks_the_library_emsp(
    emsp: Any, roaming: Any, pool: AsyncConnectionPool
) -> None:
    """Our responder's call (without the Kafka hop) to the library's Tokens Sender."""
    await registered(roaming, emsp)
    await emsp.drive("PUT", f"tokens/{UID}", json=TOKEN)
    async with pool.connection() as conn:
        sender = await tokens_sender(conn, Party.of("DE", "TNM"))
    assert sender is not None

    async def ask(uid: str) -> RealtimeAuthorization:
        command = AuthorizeRealtime(request_id="r-1", country_code="DE", party_id="TNM", uid=uid)
        us = Party.of("NL", "EVR")
        call = authorize_call(sender, command, us=us, request_id="r-1", correlation_id="c-1")
        answer: RealtimeAuthorization = await roaming.client.authorize(call, 5.0)
        return answer

    unknown = await ask("NEVER-ISSUED")
    assert unknown.outcome == "UNKNOWN_TOKEN"  # HTTP 404, as section 3.5 wants
    known = await ask(UID)
    # The library answers `data: [AuthorizationInfo]`, a list, where section 3.5 wants the
    # object itself: we refuse it and say why (the caller falls back to its cache).
    assert known.outcome == "UNREACHABLE"
    assert known.detail is not None
    assert "without a valid AuthorizationInfo" in known.detail, known.detail


async def _read_when_known(emsp: Any, uid: str) -> dict[str, Any]:
    """GET until our tokens projection shows it (it follows the log within milliseconds)."""
    async with asyncio.timeout(5):
        while True:
            got: dict[str, Any] = await emsp.drive("GET", f"tokens/{uid}")
            if got["http_status"] == 200:
                return got
            await asyncio.sleep(0.05)
