"""Partner registration through the admin API, the log it leaves, and its projection; each
partner's status (states through a real OCPI handshake, pushes, hub clients) and a new
token A for a partner that did not complete the handshake or unregistered."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore.projections import ProjectionRunner, rebuild
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.push import Pusher
from evroam_roaming.projections.partners import PartnersV1
from evroam_testing.ocpi_partner import OcpiPartner

Register = Callable[..., Awaitable[dict[str, Any]]]
ADMIN = {"Authorization": "Bearer it-admin-token"}  # the conftest's settings
REISSUED = "roaming.partner_token_reissued"
BODY = {"name": "Example eMSP", "country_code": "de", "party_id": "tnm", "role": "EMSP"}


async def test_the_admin_api_refuses_calls_without_the_admin_token(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/admin/partners", json=BODY)).status_code == 401
    assert (await client.get("/admin/partners")).status_code == 401


async def test_registering_returns_the_token_once_and_logs_only_its_hash(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
) -> None:
    response = await client.post("/admin/partners", headers=ADMIN, json=BODY)
    assert response.status_code == 201
    answer = response.json()
    token = answer["token"]
    assert 0 < len(token) <= 64
    assert {k: answer[k] for k in ("name", "country_code", "party_id", "role")} == {
        "name": "Example eMSP",
        "country_code": "DE",
        "party_id": "TNM",
        "role": "EMSP",
    }
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT stream_id, type, payload::text FROM events")
        [(stream, event_type, payload)] = await cur.fetchall()
    assert (stream, event_type) == ("partner-DE-TNM", "roaming.partner_registered")
    assert token not in payload
    assert hashlib.sha256(token.encode()).hexdigest() in payload
    assert answer["partner_id"] in payload


async def test_a_party_cannot_be_registered_twice(client: httpx.AsyncClient) -> None:
    assert (await client.post("/admin/partners", headers=ADMIN, json=BODY)).status_code == 201
    again = await client.post("/admin/partners", headers=ADMIN, json={**BODY, "name": "Again"})
    assert again.status_code == 409


async def test_malformed_registrations_are_refused(client: httpx.AsyncClient) -> None:
    for bad in (
        {**BODY, "country_code": "DEU"},
        {**BODY, "party_id": "T!M"},
        {**BODY, "role": "DRIVER"},
        {**BODY, "name": ""},
    ):
        assert (await client.post("/admin/partners", headers=ADMIN, json=bad)).status_code == 422


async def test_the_partner_list_shows_partners_without_tokens_or_hashes(
    client: httpx.AsyncClient,
    register: Register,
) -> None:
    first = await register("DE", "TNM")
    second = await register("NL", "ABC", role="CPO")
    listed = (await client.get("/admin/partners", headers=ADMIN)).json()
    assert [(p["partner_id"], p["country_code"], p["party_id"], p["role"]) for p in listed] == [
        (first["partner_id"], "DE", "TNM", "EMSP"),
        (second["partner_id"], "NL", "ABC", "CPO"),
    ]
    text = str(listed)
    assert first["token"] not in text
    assert "token" not in text


async def test_the_partners_projection_rebuilt_from_the_log_equals_the_live_one(
    pool: AsyncConnectionPool,
    database_url: str,
    register: Register,
    client: httpx.AsyncClient,
) -> None:
    first = await register("DE", "TNM")
    await register("NL", "ABC")
    reissued = await client.post(f"/admin/partners/{first['partner_id']}/token", headers=ADMIN)
    await ProjectionRunner(pool, database_url, [PartnersV1()]).step()
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT token_sha256 FROM view_partners_v1 WHERE partner_id = %s",
            (first["partner_id"],),
        )
        assert await cur.fetchone() == (_sha256(reissued.json()["token"]),)
    report = await rebuild(pool, PartnersV1())
    assert report.events_replayed == 3
    assert report.equal, report


# ---- status and token A again, over real HTTP with a real partner ----------------------------

PARTNER_FIELDS = {"partner_id", "name", "country_code", "party_id", "role", "registered_at"}


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _no_secret_in(texts: list[str], *tokens: str | None) -> None:
    """Neither a token nor its hash, nor any field that could carry one."""
    everything = "\n".join(texts)
    for token in filter(None, tokens):
        assert token not in everything
        assert _sha256(token) not in everything
    assert "token_sha256" not in everything
    assert '"token"' not in everything


async def _admit(roaming: Any, cc: str, pid: str, role: str = "EMSP") -> dict[str, Any]:
    body = {"name": f"{cc}*{pid} platform", "country_code": cc, "party_id": pid, "role": role}
    answer = await roaming.http.post("/admin/partners", headers=ADMIN, json=body)
    assert answer.status_code == 201, answer.text
    await roaming.recognised(answer.json()["token"])
    return dict(answer.json())


async def _status(roaming: Any, partner_id: str, texts: list[str] | None = None) -> Any:
    answer = await roaming.http.get(f"/admin/partners/{partner_id}", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    if texts is not None:
        texts.append(answer.text)
    return answer.json()


async def _listed(roaming: Any, partner_id: str, **params: Any) -> Any:
    """The partner's row in the list once the projections show `want` (None: absent)."""
    want = params.pop("want", "any")
    for _ in range(250):
        answer = await roaming.http.get("/admin/partners", headers=ADMIN, params=params)
        rows = [p for p in answer.json() if p["partner_id"] == partner_id]
        row = rows[0] if rows else None
        if want == "any" or (row["state"] if row else None) == want:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"partner {partner_id} never listed as {want}: {answer.text}")


async def test_an_unknown_partner_has_no_status_and_no_token(roaming: Any) -> None:
    for method, path in (("GET", "/admin/partners/nope"), ("POST", "/admin/partners/nope/token")):
        assert (await roaming.http.request(method, path)).status_code == 401
        answer = await roaming.http.request(method, path, headers=ADMIN)
        assert (answer.status_code, answer.json()["detail"]) == (404, "no partner nope")


async def test_a_partner_is_registered_then_connected_then_unregistered_over_real_ocpi(
    roaming: Any,
) -> None:
    admitted = await _admit(roaming, "DE", "TNM")
    partner_id, texts = admitted["partner_id"], []
    registered = await _status(roaming, partner_id, texts)
    assert {k: registered[k] for k in PARTNER_FIELDS} == {k: admitted[k] for k in PARTNER_FIELDS}
    assert registered["state"] == "REGISTERED"
    assert registered["token_a_issued_at"] == admitted["registered_at"]
    assert (registered["handshake_at"], registered["endpoints"]) == (None, [])
    assert registered["pushes"] == {"pending": 0, "delivered": 0, "dead": 0}
    assert (registered["last_push_error"], registered["hub_clients"]) == (None, None)

    async with OcpiPartner("DE", "TNM") as partner:
        await partner.register(roaming.versions_url, admitted["token"])
        first_b, first_c = partner.token_b, partner.token_c
        connected = await _status(roaming, partner_id, texts)
        assert (connected["state"], connected["ocpi_version"]) == ("CONNECTED", "2.2.1")
        assert connected["versions_url"] == partner.versions_url
        assert {"identifier": "tokens", "role": "SENDER", "url": partner.tokens_url} in (
            connected["endpoints"]
        )
        assert connected["handshake_at"] is not None
        assert connected["credentials_updated_at"] is None
        assert (await _listed(roaming, partner_id, want="CONNECTED"))["pushes"]["dead"] == 0

        await partner.update_credentials()
        updated = await _status(roaming, partner_id, texts)
        assert updated["handshake_at"] == connected["handshake_at"]
        assert updated["credentials_updated_at"] > updated["handshake_at"]

        await partner.unregister()
        gone = await _status(roaming, partner_id, texts)
    assert (gone["state"], gone["handshake_at"]) == ("UNREGISTERED", connected["handshake_at"])
    assert gone["unregistered_at"] >= gone["credentials_updated_at"]
    assert await _listed(roaming, partner_id, want=None) is None
    row = await _listed(roaming, partner_id, include_unregistered="true")
    assert (row["state"], row["name"]) == ("UNREGISTERED", "DE*TNM platform")
    texts.append(json.dumps(row))
    tokens = (admitted["token"], first_b, first_c, partner.token_b, partner.token_c)
    _no_secret_in(texts, *tokens)


async def test_the_status_counts_pushes_by_state_and_shows_the_last_error(
    roaming: Any, pool: AsyncConnectionPool, issue: Any, make_cdr: Any
) -> None:
    admitted = await _admit(roaming, "DE", "TNM")
    partner_id = admitted["partner_id"]
    # Ahead of the wall clock, at which pushes are queued: what is queued is due.
    clock = lambda: datetime.now(UTC) + timedelta(seconds=30)  # noqa: E731
    policy = PushPolicy(max_attempts=1)  # the first failure dead-letters
    async with OcpiPartner("DE", "TNM") as owner, httpx.AsyncClient() as http:
        await owner.register(roaming.versions_url, admitted["token"])
        pusher = Pusher(pool, http, Party("NL", "EVR"), policy, timeout_s=5, clock=clock)
        await issue(make_cdr("C1"))
        assert await pusher.run_once() == 1
        await owner.stop()
        await issue(make_cdr("C2"))
        assert await pusher.run_once() == 1
        await issue(make_cdr("C3"))

        found = await _status(roaming, partner_id)
    assert list(owner.cdrs) == ["C1"]
    assert found["pushes"] == {"pending": 1, "delivered": 1, "dead": 1}
    error = found["last_push_error"]
    assert (error["object_id"], error["module"], error["state"]) == ("C2", "cdrs", "DEAD")
    assert "ConnectError" in error["error"]
    listed = await _listed(roaming, partner_id, want="CONNECTED")
    assert listed["pushes"] == found["pushes"]


async def test_a_hub_status_shows_the_clients_it_reported(roaming: Any) -> None:
    admitted = await _admit(roaming, "NL", "HUB", role="HUB")
    async with OcpiPartner("NL", "HUB") as hub:
        await hub.register(roaming.versions_url, admitted["token"])
        for cc, pid, status in (("FR", "XYZ", "OFFLINE"), ("DE", "TNM", "CONNECTED")):
            info = {"country_code": cc, "party_id": pid, "role": "EMSP", "status": status}
            info["last_updated"] = "2024-05-01T10:00:00Z"
            url = f"/ocpi/2.2.1/clientinfo/{cc}/{pid}"
            assert (await hub.request("PUT", roaming.url + url, json=info)).status_code == 200

        found = await _status(roaming, admitted["partner_id"])
    assert [(c["country_code"], c["party_id"], c["status"]) for c in found["hub_clients"]] == [
        ("DE", "TNM", "CONNECTED"),
        ("FR", "XYZ", "OFFLINE"),
    ]


async def test_a_new_token_a_replaces_the_one_a_partner_has_not_used_yet(
    roaming: Any, ocpi_auth: Callable[[str], dict[str, str]], pool: AsyncConnectionPool
) -> None:
    admitted = await _admit(roaming, "DE", "TNM")
    partner_id, old = admitted["partner_id"], admitted["token"]
    answer = await roaming.http.post(f"/admin/partners/{partner_id}/token", headers=ADMIN)
    assert (answer.status_code, answer.headers["cache-control"]) == (201, "no-store")
    issued = answer.json()
    assert (issued["partner_id"], issued["replaces_partner_id"]) == (partner_id, None)
    assert issued["token"] != old
    await roaming.recognised(issued["token"])
    old_refused = await roaming.http.get("/ocpi/versions", headers=ocpi_auth(old))
    assert old_refused.status_code == 401
    found = await _status(roaming, partner_id)
    assert (found["state"], found["token_a_issued_at"]) == ("REGISTERED", issued["issued_at"])
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT payload::text FROM events WHERE type = %s", (REISSUED,))
        [(payload,)] = await cur.fetchall()
    assert _sha256(issued["token"]) in payload
    assert issued["token"] not in payload

    async with OcpiPartner("DE", "TNM") as partner:
        await partner.register(roaming.versions_url, issued["token"])
        again = await roaming.http.post(f"/admin/partners/{partner_id}/token", headers=ADMIN)
    assert again.status_code == 409
    assert "PUT credentials" in again.json()["detail"]


async def test_an_unregistered_partner_gets_a_new_token_as_a_new_partner(roaming: Any) -> None:
    admitted = await _admit(roaming, "DE", "TNM")
    old_id = admitted["partner_id"]
    async with OcpiPartner("DE", "TNM") as partner:
        await partner.register(roaming.versions_url, admitted["token"])
        await partner.unregister()
        answer = await roaming.http.post(f"/admin/partners/{old_id}/token", headers=ADMIN)
        assert answer.status_code == 201, answer.text
        issued = answer.json()
        assert issued["replaces_partner_id"] == old_id
        assert issued["partner_id"] != old_id
        assert (issued["name"], issued["role"]) == (admitted["name"], "EMSP")
        await roaming.recognised(issued["token"])
        await partner.register(roaming.versions_url, issued["token"])

        assert (await _status(roaming, issued["partner_id"]))["state"] == "CONNECTED"
        assert (await _status(roaming, old_id))["state"] == "UNREGISTERED"
        twice = await roaming.http.post(f"/admin/partners/{old_id}/token", headers=ADMIN)
    assert twice.status_code == 409
    assert f"registered again, as partner {issued['partner_id']}" in twice.json()["detail"]
