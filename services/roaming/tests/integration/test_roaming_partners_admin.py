"""Partner registration through the admin API, the log it leaves, and its projection."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore.projections import rebuild
from evroam_roaming.projections.partners import PartnersV1

Register = Callable[..., Awaitable[dict[str, Any]]]
ADMIN = {"Authorization": "Bearer it-admin-token"}  # the conftest's settings
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
    register: Register,
) -> None:
    await register("DE", "TNM")
    await register("NL", "ABC")
    report = await rebuild(pool, PartnersV1())
    assert report.events_replayed == 2
    assert report.equal, report
