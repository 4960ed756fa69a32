"""Our roaming service as eMSP against a CPO built from the third-party OCPI 2.2.1 library
extrawest-ocpi (partner/cpo.py): the library registers with us (admitted as a CPO), we pull its
four Sender lists page by page, it pushes a Location, a Session and a CDR to our Receivers with
its own push, we push our token to its Tokens Receiver, it asks our Tokens Sender in real time,
and our START_SESSION reaches its Commands Receiver, whose CommandResult comes back to us.
Objects are the spec's own examples, validated by the library's models before it serves them.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_roaming.adapters import admin_commands
from evroam_roaming.app import command_sender
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.push import Pusher

ADMIN = {"Authorization": "Bearer it-admin-token"}  # the roaming integration conftest's
EXAMPLES = Path(__file__).resolve().parents[2] / "services/roaming/tests/data"
FILES = {
    "locations": "location_example.json",
    "sessions": "session_example_2_short_finished.json",
    "cdrs": "cdr_example.json",
    "tariffs": "tariff_4_complex.json",
}
T1 = "2025-01-01T10:00:00Z"
UID = "04AA11BB"  # one of our drivers' RFID tokens (the conftest's `own_token`)


def example(module: str, object_id: str, last_updated: str) -> dict[str, Any]:
    """The spec's example of the module as the library CPO BE*BEC would hold it."""
    data: dict[str, Any] = json.loads((EXAMPLES / FILES[module]).read_text())
    owner = {"country_code": "BE", "party_id": "BEC"}
    if "cdr_token" in data:  # a session or CDR of one of our (NL*EVR) drivers (ADR 0024)
        data["cdr_token"] = {**data["cdr_token"], "country_code": "NL", "party_id": "EVR"}
    return {**data, **owner, "id": object_id, "last_updated": last_updated}


async def connected(roaming: Any, cpo: Any) -> dict[str, str]:
    """Admit BE*BEC as a CPO, let the library register (section 2.3): its partner id and the
    tokens A and C. The library holds our Credentials, with both roles of our party."""
    token_a, partner_id = await roaming.admitted("BE", "BEC", "CPO")
    answer = await cpo.register(roaming.versions_url, token_a)
    assert (answer["http_status"], answer["status_code"]) == (200, 1000), answer
    roles = [(r["role"], r["country_code"], r["party_id"]) for r in answer["roles"]]
    assert roles == [("CPO", "nl", "evr"), ("EMSP", "nl", "evr")]  # CiStrings: lower-cased
    return {"token_c": answer["token"], "partner_id": partner_id, "token": token_a}


async def pull(roaming: Any, partner_id: str, module: str, limit: int) -> dict[str, Any]:
    url = f"/admin/partners/{partner_id}/pull/{module}"
    response = await roaming.http.post(url, headers=ADMIN, params={"limit": limit})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def events(pool: AsyncConnectionPool, type_: str) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload FROM events WHERE type = %s ORDER BY position", (type_,)
        )
        return [row[0] for row in await cur.fetchall()]


async def test_the_library_cpo_registers_and_we_learn_its_senders_and_receivers(
    cpo: Any, roaming: Any
) -> None:
    registration = await connected(roaming, cpo)

    url = f"/admin/partners/{registration['partner_id']}"
    shown = (await roaming.http.get(url, headers=ADMIN)).json()
    assert (shown["state"], shown["versions_url"]) == ("CONNECTED", f"{cpo.url}/ocpi/versions")
    offered = {(e["identifier"], e["role"]) for e in shown["endpoints"]}
    assert {(m, "SENDER") for m in FILES} | {("tokens", "RECEIVER")} <= offered
    assert ("commands", "RECEIVER") in offered  # added by partner/cpo.py: see the README
    assert await _status_with(roaming, registration["token"]) == 401  # A is spent
    assert await _status_with(roaming, registration["token_c"]) == 200


async def test_every_sender_list_of_the_library_is_pulled_page_by_page(
    cpo: Any, roaming: Any, pool: AsyncConnectionPool
) -> None:
    partner_id = (await connected(roaming, cpo))["partner_id"]
    for module in FILES:
        offered = [example(module, f"X{n}", f"2025-01-0{n + 1}T10:00:00Z") for n in range(5)]
        await cpo.drive("POST", f"objects/{module}", json=offered)

    reports = {module: await pull(roaming, partner_id, module, limit=2) for module in FILES}

    outcomes = {
        m: (r["complete"], r["pages"], r["stored"], r["rejected"]) for m, r in reports.items()
    }
    assert outcomes == {m: (True, 3, 5, []) for m in FILES}, reports
    for type_ in ("location", "session", "cdr", "tariff"):
        assert len(await events(pool, f"roaming.{type_}_received")) == 5
    [cdr] = [e["cdr"] for e in await events(pool, "roaming.cdr_received") if e["cdr"]["id"] == "x4"]
    assert cdr["cdr_location"]["evse_uid"] == "3256"
    assert cdr["total_cost"]["excl_vat"] == "4.0"
    written = (await cpo.drive("GET", "links"))["links"]
    assert len(written) == 8  # pages 1 and 2 of each list; the library sends page 3 `Link: `


async def test_the_librarys_own_link_leaves_its_origin_so_the_pull_keeps_the_first_page(
    cpo: Any, roaming: Any
) -> None:
    """What the library writes (Python 3.11+, served over http): https, the reprs of its enums
    and `date_from=None`. We present our token to the partner's origin only."""
    partner_id = (await connected(roaming, cpo))["partner_id"]
    cdrs = [example("cdrs", f"X{n}", f"2025-01-0{n + 1}T10:00:00Z") for n in range(3)]
    await cpo.drive("POST", "objects/cdrs", json=cdrs)
    await cpo.drive("PUT", "links", json={"repair": False})

    report = await pull(roaming, partner_id, "cdrs", limit=2)

    assert (report["complete"], report["pages"], report["stored"]) == (False, 1, 2)
    [link] = (await cpo.drive("GET", "links"))["links"]
    assert link.startswith(f"<https://{cpo.url.removeprefix('http://')}/ocpi/cpo/")
    assert "/VersionNumber.v_2_2_1/ModuleID.cdrs/?date_from=None&date_to=None&" in link
    url = link[1 : link.index(">")]
    assert report["error"] == f"the next page is not at the partner's host: {url}"


async def test_the_library_pushes_a_location_a_session_and_a_cdr_and_we_store_each(
    cpo: Any, roaming: Any, pool: AsyncConnectionPool
) -> None:
    await connected(roaming, cpo)
    objects = {"locations": "LOC1", "sessions": "S1", "cdrs": "C1"}
    for module, id_ in objects.items():
        await cpo.drive("POST", f"objects/{module}", json=[example(module, id_, T1)])

    pushed = {m: await cpo.drive("POST", f"push/{m}/{id_}") for m, id_ in objects.items()}

    assert pushed["locations"]["status_code"] == pushed["sessions"]["status_code"] == 201
    assert pushed["sessions"]["response"]["status_code"] == 1000
    cdr_url = f"{roaming.url}/ocpi/emsp/2.2.1/cdrs/be/bec/c1"  # the CDR's own spelling
    assert (pushed["cdrs"]["status_code"], pushed["cdrs"]["response"]["location"]) == (201, cdr_url)
    for module, id_ in objects.items():
        got = await cpo.drive("GET", f"received/{module}/{id_}")  # the library reads it back
        assert (got["http_status"], got["object"]["id"]) == (200, id_.lower()), got
    session = (await cpo.drive("GET", "received/sessions/S1"))["object"]
    assert (session["kwh"], session["status"], len(session["charging_periods"])) == (
        41.12,
        "COMPLETED",
        3,
    )
    [received] = await events(pool, "roaming.cdr_received")
    assert (received["cdr"]["id"], received["cdr"]["total_energy"]) == ("c1", "15.342")
    assert len(await events(pool, "roaming.session_received")) == 1
    assert len(await events(pool, "roaming.location_received")) == 1


async def test_our_token_is_pushed_to_the_librarys_tokens_receiver(
    cpo: Any, roaming: Any, own_token: Any, pool: AsyncConnectionPool
) -> None:
    await connected(roaming, cpo)
    await own_token.add(UID)
    async with httpx.AsyncClient() as http:
        pusher = Pusher(pool, http, Party("NL", "EVR"), PushPolicy(max_attempts=1), timeout_s=5)
        assert await pusher.run_once() == 1

    stored = (await cpo.drive("GET", "tokens"))["tokens"]
    assert list(stored) == ["NL/EVR/04AA11BB/RFID"]
    token = stored["NL/EVR/04AA11BB/RFID"]
    assert (token["uid"], token["contract_id"], token["valid"]) == (
        "04aa11bb",  # CiStrings: the library lower-cases them
        "nl-evr-c12345678-x",
        True,
    )
    [attempt] = await events(pool, "roaming.push_attempted")
    assert attempt["outcome"] == "DELIVERED"


async def test_the_library_asks_our_tokens_sender_in_real_time(
    cpo: Any, roaming: Any, own_token: Any
) -> None:
    await connected(roaming, cpo)
    await own_token.add(UID)
    where = {"location_id": "LOC1", "evse_uids": ["3256"]}

    known = await cpo.drive("POST", f"authorize/{UID}", json=where)
    unknown = await cpo.drive("POST", "authorize/NEVER-ISSUED", json=where)

    assert (known["http_status"], known["status_code"]) == (200, 1000)
    info = known["info"]  # a valid AuthorizationInfo by the library's model
    assert (info["allowed"], info["token"]["uid"], info["location"]) == (
        "ALLOWED",
        "04aa11bb",
        {"location_id": "loc1", "evse_uids": ["3256"]},
    )
    assert info["authorization_reference"]
    assert (unknown["http_status"], unknown["status_code"], unknown["info"]) == (404, 2004, None)


@pytest.fixture
async def admin(roaming: Any, pool: AsyncConnectionPool) -> AsyncIterator[httpx.AsyncClient]:
    """The admin commands API (the served app leaves it out: it needs the outbound client
    that `wire` gives it); its response_urls land on the served app."""
    app = FastAPI()
    async with httpx.AsyncClient() as outbound:
        sender = command_sender(pool, outbound, roaming.settings)
        app.include_router(admin_commands.router(pool, "it-admin-token", sender))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://admin") as http:
            yield http


async def test_our_start_session_reaches_the_librarys_commands_receiver_and_the_result_returns(
    cpo: Any, roaming: Any, own_token: Any, admin: httpx.AsyncClient
) -> None:
    partner_id = (await connected(roaming, cpo))["partner_id"]
    await own_token.add(UID)
    await cpo.drive("POST", "objects/locations", json=[example("locations", "LOC1", T1)])
    order = {"partner_id": partner_id, "command": "START_SESSION", "location_id": "LOC1"}

    sent = await admin.post("/admin/commands", headers=ADMIN, json=order | {"token_uid": UID})

    assert sent.status_code == 201, sent.text
    command_id = sent.json()["command_id"]
    [received] = (await cpo.drive("GET", "commands"))["commands"]
    assert received["command"] == "START_SESSION"
    assert received["body"]["response_url"] == (
        f"{roaming.url}/ocpi/emsp/2.2.1/commands/START_SESSION/{command_id}"
    )
    assert received["body"]["token"]["uid"] == "04aa11bb"
    # The library answers `data: [CommandResponse]`, a list, where section 3.6 wants the object:
    # we record no CommandResponse and say why; its CommandResult still counts.
    assert (sent.json()["state"], sent.json()["ocpi_status"]) == ("FAILED", 1000)
    assert "input_type=list" in sent.json()["failure"]
    shown = await _result_of(admin, command_id)
    assert (shown["state"], shown["result"]) == ("RESULT", {"result": "ACCEPTED", "message": None})


async def _result_of(admin: httpx.AsyncClient, command_id: str) -> dict[str, Any]:
    """The admin view once the CommandResult has come (the library posts it after answering)."""
    async with asyncio.timeout(5):
        while True:
            shown: dict[str, Any] = (
                await admin.get(f"/admin/commands/{command_id}", headers=ADMIN)
            ).json()
            if shown["state"] == "RESULT":
                return shown
            await asyncio.sleep(0.05)


async def _status_with(roaming: Any, token: str) -> int:
    auth = {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}
    response: httpx.Response = await roaming.http.get("/ocpi/versions", headers=auth)
    return response.status_code
