"""The Tokens Receiver (OCPI 2.2.1 section 3.5, we are the CPO) with real eMSP partners
pushing over HTTP: the log, the projection and what each partner may see."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_eventstore.projections import rebuild
from evroam_roaming.projections.partners import PartnerConnectionsV1
from evroam_roaming.projections.tokens import OcpiTokensV1
from evroam_testing.ocpi_partner import OcpiPartner

Connect = Callable[..., Awaitable[OcpiPartner]]
UID = "04A1B2C3D4"


async def read(partner: OcpiPartner, uid: str = UID, *, owner: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    cc, pid = owner or (partner.country_code, partner.party_id)
    return await partner.request("GET", partner.token_url(cc, pid, uid))


async def read_when(
    partner: OcpiPartner, check: Callable[[dict[str, Any]], bool], uid: str = UID
) -> dict[str, Any]:
    """GET until the projection shows what `check` expects (it follows the log in ms)."""
    async with asyncio.timeout(5):
        while True:
            response = await read(partner, uid)
            if response.status_code == 200 and check(data := response.json()["data"]):
                return data
            await asyncio.sleep(0.02)


async def token_events(pool: AsyncConnectionPool) -> int:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM events WHERE type = 'roaming.token_received'"
        )
        row = await cur.fetchone()
        return int(row[0]) if row else 0


async def test_a_pushed_token_is_created_then_read_back(connect_partner: Connect) -> None:
    partner = await connect_partner("DE", "TNM")
    token = partner.token(UID, last_updated="2025-01-01T10:00:00Z")
    created = await partner.put_token(token)
    assert created.status_code == 201
    assert created.json()["status_code"] == 1000
    assert created.headers["OCPI-to-party-id"] == "TNM"
    assert await read_when(partner, lambda t: True) == token


async def test_put_replaces_and_patch_changes_only_its_fields(
    connect_partner: Connect, pool: AsyncConnectionPool
) -> None:
    partner = await connect_partner("DE", "TNM")
    await partner.put_token(partner.token(UID, last_updated="2025-01-01T10:00:00Z"))
    replaced = await partner.put_token(
        partner.token(UID, visual_number="V-1", last_updated="2025-01-01T11:00:00Z")
    )
    assert replaced.status_code == 200
    patch = {"valid": False, "last_updated": "2025-01-01T12:00:00Z"}
    patched = await partner.patch_token("DE", "TNM", UID, patch)
    assert (patched.status_code, patched.json()["status_code"]) == (200, 1000)
    data = await read_when(partner, lambda t: t["valid"] is False)
    assert data["visual_number"] == "V-1"
    assert data["last_updated"] == "2025-01-01T12:00:00Z"
    assert await token_events(pool) == 3


async def test_an_update_older_than_the_stored_token_is_ignored(
    connect_partner: Connect, pool: AsyncConnectionPool
) -> None:
    partner = await connect_partner("DE", "TNM")
    await partner.put_token(partner.token(UID, last_updated="2025-01-01T10:00:00Z"))
    stale = await partner.patch_token(
        "DE", "TNM", UID, {"valid": False, "last_updated": "2024-12-31T10:00:00Z"}
    )
    assert (stale.status_code, stale.json()["status_code"]) == (200, 1000)
    assert "newer last_updated" in stale.json()["status_message"]
    assert (await read_when(partner, lambda t: True))["valid"] is True
    assert await token_events(pool) == 1


async def test_unknown_tokens_get_404_and_2004(connect_partner: Connect) -> None:
    partner = await connect_partner("DE", "TNM")
    got = await read(partner, "NEVER-PUSHED")
    patched = await partner.patch_token(
        "DE", "TNM", "NEVER-PUSHED", {"valid": False, "last_updated": "2025-01-01T10:00:00Z"}
    )
    for response in (got, patched):
        assert response.status_code == 404
        assert response.json()["status_code"] == 2004


async def test_malformed_bodies_get_2001_with_the_reason(connect_partner: Connect) -> None:
    partner = await connect_partner("DE", "TNM")
    await partner.put_token(partner.token(UID))
    cases = {
        "valid": await partner.put_token(partner.token(UID, valid="yes")),
        "uid": await partner.request(
            "PUT", partner.token_url("DE", "TNM", "OTHER-UID"), json=partner.token(UID)
        ),
        "last_updated": await partner.patch_token("DE", "TNM", UID, {"valid": False}),
        "type": await partner.patch_token(
            "DE", "TNM", UID, {"valid": False, "last_updated": "2030-01-01"}, type="CARD"
        ),
    }
    for reason, response in cases.items():
        assert response.status_code == 200, reason
        assert response.json()["status_code"] == 2001, reason
        assert reason in response.json()["status_message"]
    not_json = await partner.request(
        "PUT", partner.token_url("DE", "TNM", UID), content=b"{not json"
    )
    assert (not_json.status_code, not_json.json()["status_code"]) == (400, 2001)


async def test_a_partner_cannot_read_or_write_another_partys_tokens(
    connect_partner: Connect,
) -> None:
    owner = await connect_partner("DE", "TNM")
    other = await connect_partner("NL", "ABC")
    await owner.put_token(owner.token(UID, last_updated="2025-01-01T10:00:00Z"))
    await read_when(owner, lambda t: True)
    existing = await read(other, UID, owner=("DE", "TNM"))
    missing = await read(other, "NEVER-PUSHED", owner=("DE", "TNM"))
    assert existing.status_code == missing.status_code == 404
    assert existing.json()["status_message"] == missing.json()["status_message"]
    written = await other.put_token(owner.token(UID, valid=False))
    patched = await other.patch_token(
        "DE", "TNM", UID, {"valid": False, "last_updated": "2030-01-01T00:00:00Z"}
    )
    assert written.status_code == patched.status_code == 404
    await asyncio.sleep(0.3)  # what a projection would have had time to show
    assert (await read(owner)).json()["data"]["valid"] is True


async def test_without_a_credentials_token_or_with_token_a_the_answer_is_401(
    roaming: Any,
) -> None:
    token_a = await roaming.admit("DE", "TNM")
    async with OcpiPartner("DE", "TNM") as partner:
        await partner.register(roaming.versions_url, token_a)
        url = partner.token_url("DE", "TNM", UID)
    old = {"Authorization": "Token " + base64.b64encode(token_a.encode()).decode()}
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).status_code == 401
        assert (await http.get(url, headers=old)).status_code == 401


async def test_the_tokens_and_connections_projections_rebuild_equal(
    connect_partner: Connect, pool: AsyncConnectionPool
) -> None:
    partner = await connect_partner("DE", "TNM")
    await partner.put_token(partner.token(UID, last_updated="2025-01-01T10:00:00Z"))
    patch = {"valid": False, "last_updated": "2025-01-02T00:00:00Z"}
    await partner.patch_token("DE", "TNM", UID, patch)
    await read_when(partner, lambda t: t["valid"] is False)
    for projection in (OcpiTokensV1(), PartnerConnectionsV1()):
        report = await rebuild(pool, projection)
        assert report.equal, report
