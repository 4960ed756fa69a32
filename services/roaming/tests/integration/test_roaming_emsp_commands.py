"""Commands we, the eMSP, send to a CPO (OCPI 2.2.1 sections 3.6 and 6.2), on real PostgreSQL
and real HTTP with a test CPO: sent from the admin API with our token and a unique
response_url, the CPO's CommandResponse recorded, its CommandResult received at our
response_url (from that CPO only), or timed out; every step an event."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ids import new_id
from evroam_roaming.adapters import admin_commands
from evroam_roaming.app import command_sender
from evroam_testing.ocpi_partner import OcpiPartner

Connect = Callable[..., Awaitable[tuple[OcpiPartner, str]]]
ADMIN_TOKEN = "it-admin-token"  # the conftest's
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TOKEN = {
    "country_code": "NL",
    "party_id": "EVR",
    "uid": "APP1",
    "type": "APP_USER",
    "contract_id": "NL-EVR-C12345678-X",
    "issuer": "evroam",
    "valid": True,
    "whitelist": "NEVER",
    "last_updated": "2026-11-21T10:00:00Z",
}


class Clock:
    """The admin view's now, which a test moves forward."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@pytest.fixture
async def our_tokens(own_token: Any) -> None:
    """APP1 (valid) and BLOCKED1 (not), ours: app users' tokens (TOKEN)."""
    for uid, valid in (("APP1", True), ("BLOCKED1", False)):
        await own_token.add(uid, type="APP_USER", whitelist="NEVER", valid=valid)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def admin(
    roaming: Any, pool: AsyncConnectionPool, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """The admin commands API, its response_urls on the served roaming app (real port)."""
    app = FastAPI()
    async with httpx.AsyncClient() as outbound:
        sender = command_sender(pool, outbound, roaming.settings)
        app.include_router(admin_commands.router(pool, ADMIN_TOKEN, sender, clock))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://admin") as http:
            yield http


async def send(admin: httpx.AsyncClient, partner_id: str, **fields: Any) -> dict[str, Any]:
    response = await admin.post(
        "/admin/commands", headers=ADMIN, json=fields | {"partner_id": partner_id}
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def view(admin: httpx.AsyncClient, command_id: str) -> dict[str, Any]:
    response = await admin.get(f"/admin/commands/{command_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def command_events(pool: AsyncConnectionPool) -> list[tuple[str, str, str, dict[str, Any]]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT type, stream_id, metadata->>'correlation_id', payload FROM events"
            " WHERE type IN ('roaming.command_sent', 'roaming.command_result_received')"
            " ORDER BY position"
        )
        return await cur.fetchall()


START = {"command": "START_SESSION", "location_id": "LOC1", "evse_uid": "E1"}
APP1 = {"token_uid": "APP1", "token_type": "APP_USER"}


async def test_a_start_session_goes_out_with_our_token_and_its_result_comes_back(
    connect_cpo: Connect, our_tokens: None, admin: httpx.AsyncClient, roaming: Any, pool: Any
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    cpo.result_delay_s = 0.2
    sent = await send(admin, cpo_id, **START, **APP1)
    command_id = sent["command_id"]
    assert (sent["state"], sent["response"]) == (
        "RESPONDED",
        {"result": "ACCEPTED", "timeout": 30, "message": None},
    )
    assert (sent["http_status"], sent["ocpi_status"], sent["failure"]) == (200, 1000, None)

    [received] = cpo.commands_received
    body, headers = received["body"], received["headers"]
    assert received["command"] == "START_SESSION"
    assert body["response_url"] == (
        f"{roaming.url}/ocpi/emsp/2.2.1/commands/START_SESSION/{command_id}"
    )
    assert (body["location_id"], body["evse_uid"], body["authorization_reference"]) == (
        "LOC1",
        "E1",
        command_id,
    )
    assert body["token"] == TOKEN
    assert headers["authorization"] == "Token " + base64.b64encode(cpo.token_b.encode()).decode()
    assert headers["x-correlation-id"] == command_id
    assert headers["x-request-id"]
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "EVR")
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("BE", "BEC")

    await cpo.results_posted()
    assert (cpo.result_posts[0]["status"], cpo.result_posts[0]["answer"]["status_code"]) == (
        200,
        1000,
    )
    done = await view(admin, command_id)
    assert (done["state"], done["result"]) == ("RESULT", {"result": "ACCEPTED", "message": None})
    assert [(t, s, c) for t, s, c, _ in await command_events(pool)] == [
        ("roaming.command_sent", f"emsp-command-{command_id}", command_id),
        ("roaming.command_result_received", f"emsp-command-{command_id}", command_id),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"command": "STOP_SESSION", "session_id": "S1"},
        {"command": "UNLOCK_CONNECTOR", "location_id": "L1", "evse_uid": "E1", "connector_id": "1"},
        {"command": "CANCEL_RESERVATION", "reservation_id": "R1"},
        {
            "command": "RESERVE_NOW",
            "location_id": "L1",
            "reservation_id": "R1",
            "expiry_date": "2030-01-01T12:00:00Z",
            **APP1,
        },
    ],
)
async def test_every_command_reaches_the_cpo_at_its_own_path(
    connect_cpo: Connect, our_tokens: None, admin: httpx.AsyncClient, fields: dict[str, Any]
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    sent = await send(admin, cpo_id, **fields)
    [received] = cpo.commands_received
    assert received["command"] == fields["command"]
    assert received["body"]["response_url"].endswith(f"/{fields['command']}/{sent['command_id']}")
    await cpo.results_posted()
    assert (await view(admin, sent["command_id"]))["state"] == "RESULT"


async def test_a_result_from_another_partner_is_refused_and_changes_nothing(
    connect_cpo: Connect, our_tokens: None, admin: httpx.AsyncClient, pool: Any
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    other, _ = await connect_cpo("FR", "FRC")
    cpo.scripted_results["START_SESSION"] = None  # it will post later, by hand
    sent = await send(admin, cpo_id, **START, **APP1)
    url = cpo.commands_received[0]["body"]["response_url"]

    refused = await other.post_command_result(url, {"result": "ACCEPTED"})
    assert (refused.status_code, refused.json()["status_code"]) == (404, 2000)
    assert (await view(admin, sent["command_id"]))["state"] == "RESPONDED"
    accepted = await cpo.post_command_result(url, {"result": "EVSE_OCCUPIED"})
    assert (accepted.status_code, accepted.json()["status_code"]) == (200, 1000)
    assert (await view(admin, sent["command_id"]))["result"]["result"] == "EVSE_OCCUPIED"
    assert [t for t, *_ in await command_events(pool)] == [
        "roaming.command_sent",
        "roaming.command_result_received",
    ]


async def test_a_result_for_an_unknown_response_uid_is_404(
    connect_cpo: Connect, roaming: Any
) -> None:
    cpo, _ = await connect_cpo("BE", "BEC")
    url = f"{roaming.url}/ocpi/emsp/2.2.1/commands/START_SESSION/{new_id()}"
    response = await cpo.post_command_result(url, {"result": "ACCEPTED"})
    assert (response.status_code, response.json()["status_code"]) == (404, 2000)
    assert response.json()["status_message"] == "unknown command"


@pytest.mark.parametrize("result", [{"result": "MAYBE"}, {"message": []}, "ACCEPTED", []])
async def test_a_malformed_result_is_2001_and_not_recorded(
    connect_cpo: Connect, our_tokens: None, admin: httpx.AsyncClient, result: Any
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    cpo.scripted_results["START_SESSION"] = None
    sent = await send(admin, cpo_id, **START, **APP1)
    url = cpo.commands_received[0]["body"]["response_url"]
    response = await cpo.post_command_result(url, result)
    assert (response.status_code, response.json()["status_code"]) == (200, 2001)
    assert (await view(admin, sent["command_id"]))["result"] is None


@pytest.mark.parametrize("content", [b"ACCEPTED", b""])
async def test_a_result_that_is_not_json_or_empty_is_400(
    connect_cpo: Connect, our_tokens: None, admin: httpx.AsyncClient, content: bytes
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    cpo.scripted_results["START_SESSION"] = None
    await send(admin, cpo_id, **START, **APP1)
    url = cpo.commands_received[0]["body"]["response_url"]
    response = await cpo.request("POST", url, content=content)
    assert (response.status_code, response.json()["status_code"]) == (400, 2001)


async def test_a_result_that_never_comes_times_out_in_the_admin_view(
    connect_cpo: Connect, our_tokens: None, admin: httpx.AsyncClient, clock: Clock
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    cpo.scripted_responses["START_SESSION"] = {"result": "ACCEPTED", "timeout": 60}
    cpo.scripted_results["START_SESSION"] = None
    sent = await send(admin, cpo_id, **START, **APP1)
    assert (await view(admin, sent["command_id"]))["state"] == "RESPONDED"
    clock.ahead = timedelta(seconds=61)
    timed_out = await view(admin, sent["command_id"])
    assert timed_out["state"] == "TIMED_OUT"
    due = datetime.fromisoformat(timed_out["result_due_by"])
    assert due == datetime.fromisoformat(timed_out["answered_at"]) + timedelta(seconds=60)
    listed = await admin.get("/admin/commands", headers=ADMIN, params={"partner_id": cpo_id})
    assert [c["state"] for c in listed.json()] == ["TIMED_OUT"]


async def test_a_cpo_rejecting_with_2003_is_recorded_and_expects_no_result(
    connect_cpo: Connect, our_tokens: None, admin: httpx.AsyncClient, clock: Clock
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    cpo.scripted_responses["START_SESSION"] = {
        "result": "REJECTED",
        "timeout": 0,
        "status_code": 2003,
    }
    sent = await send(admin, cpo_id, **START, **APP1)
    assert (sent["state"], sent["response"]["result"], sent["ocpi_status"]) == (
        "RESPONDED",
        "REJECTED",
        2003,
    )
    clock.ahead = timedelta(hours=1)
    assert (await view(admin, sent["command_id"]))["state"] == "RESPONDED"
    assert cpo.result_posts == []


async def test_an_unreachable_cpo_leaves_the_command_failed(
    connect_cpo: Connect, admin: httpx.AsyncClient, pool: Any
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    await cpo.stop()
    sent = await send(admin, cpo_id, command="STOP_SESSION", session_id="S1")
    assert (sent["state"], sent["response"]) == ("FAILED", None)
    assert "ConnectError" in sent["failure"]
    [(_, _, _, event)] = await command_events(pool)
    assert (event.get("response"), event["command"]) == (None, "STOP_SESSION")


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        ({**START, "token_uid": "NOT-OURS"}, 422, "not one of ours"),
        ({**START, "token_uid": "BLOCKED1", "token_type": "APP_USER"}, 422, "not valid"),
        ({**START, "token_uid": "APP1"}, 422, "not one of ours"),  # our APP1 is an APP_USER
        (START, 422, "carries one of our tokens"),
        ({"command": "START_SESSION", **APP1}, 422, "location_id"),
        ({"command": "STOP_SESSION", "session_id": "S1", "evse_uid": "E1"}, 422, "has no"),
        ({"command": "FLY", "session_id": "S1"}, 422, "command"),
    ],
)
async def test_a_command_we_cannot_send_is_refused_before_it_goes_out(
    connect_cpo: Connect,
    our_tokens: None,
    admin: httpx.AsyncClient,
    fields: dict[str, Any],
    status: int,
    reason: str,
) -> None:
    cpo, cpo_id = await connect_cpo("BE", "BEC")
    response = await admin.post(
        "/admin/commands", headers=ADMIN, json=fields | {"partner_id": cpo_id}
    )
    assert response.status_code == status
    assert reason in response.text
    assert cpo.commands_received == []


async def test_a_partner_without_a_commands_receiver_gets_no_command(
    connect_cpo: Connect, admin: httpx.AsyncClient
) -> None:
    _, emsp_id = await connect_cpo("DE", "TNM", role="EMSP", plays_cpo=False)
    for partner_id in (emsp_id, "no-such-partner"):
        response = await admin.post(
            "/admin/commands",
            headers=ADMIN,
            json={"partner_id": partner_id, "command": "STOP_SESSION", "session_id": "S1"},
        )
        assert response.status_code == 404
        assert "no commands RECEIVER" in response.text


async def test_the_admin_commands_api_wants_the_admin_token(admin: httpx.AsyncClient) -> None:
    assert (await admin.get("/admin/commands/x")).status_code == 401
    body = {"partner_id": "p", "command": "STOP_SESSION", "session_id": "S1"}
    assert (await admin.post("/admin/commands", json=body)).status_code == 401
    assert (await admin.get("/admin/commands/x", headers=ADMIN)).status_code == 404
