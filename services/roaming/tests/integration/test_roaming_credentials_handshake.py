"""The registration handshake started by a partner (OCPI 2.2.1 section 2.3), with a real eMSP
partner on its own port: token A in, token B kept aside, token C out."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_testing.ocpi_partner import OcpiPartner

Connect = Callable[..., Awaitable[OcpiPartner]]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def events(pool: AsyncConnectionPool) -> list[tuple[str, str]]:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT type, payload::text || metadata::text FROM events")
        return [(t, text) for t, text in await cur.fetchall()]


async def test_after_the_handshake_token_a_is_refused_and_token_c_accepted(
    roaming: Any, pool: AsyncConnectionPool
) -> None:
    token_a = await roaming.admit("DE", "TNM")
    async with OcpiPartner("DE", "TNM") as partner:
        await partner.register(roaming.versions_url, token_a)
        assert partner.token_c is not None
        assert partner.token_c not in (token_a, partner.token_b)
        with_a = await roaming.http.get("/ocpi/versions", headers=auth(token_a))
        with_c = await roaming.http.get("/ocpi/versions", headers=auth(partner.token_c))
    assert with_a.status_code == 401
    assert with_c.status_code == 200
    assert partner.our_endpoints[("tokens", "RECEIVER")] == f"{roaming.url}/ocpi/cpo/2.2.1/tokens/"


async def test_the_exchange_records_the_endpoints_and_no_token_in_the_log(
    connect_partner: Connect, pool: AsyncConnectionPool
) -> None:
    partner = await connect_partner("DE", "TNM")
    assert partner.token_c is not None
    logged = await events(pool)
    [exchanged] = [text for t, text in logged if t == "roaming.partner_credentials_exchanged"]
    assert f'"versions_url": "{partner.versions_url}"' in exchanged
    assert f'"url": "{partner.tokens_url}"' in exchanged
    assert hashlib.sha256(partner.token_c.encode()).hexdigest() in exchanged
    for _, text in logged:
        assert partner.token_b not in text
        assert partner.token_c not in text
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT party_id, credentials_token FROM partner_secrets")
        assert await cur.fetchall() == [("TNM", partner.token_b)]


async def test_a_registered_partner_posting_again_gets_405(connect_partner: Connect) -> None:
    partner = await connect_partner("DE", "TNM")
    url = partner.our_endpoints[("credentials", "SENDER")]
    again = await partner.request("POST", url, json=partner.credentials())
    assert again.status_code == 405
    assert "already registered" in again.json()["status_message"]


async def test_roles_without_the_registered_party_get_2001_and_change_nothing(
    roaming: Any, pool: AsyncConnectionPool
) -> None:
    token_a = await roaming.admit("DE", "TNM")
    async with OcpiPartner("NL", "XYZ") as stranger:
        body = stranger.credentials()
        answer = await roaming.http.post(
            "/ocpi/2.2.1/credentials", headers=auth(token_a), json=body
        )
    assert answer.status_code == 200
    assert answer.json()["status_code"] == 2001
    assert "DE*TNM" in answer.json()["status_message"]
    assert (await roaming.http.get("/ocpi/versions", headers=auth(token_a))).status_code == 200
    assert [t for t, _ in await events(pool)] == ["roaming.partner_registered"]


async def test_a_partner_whose_versions_cannot_be_reached_gets_3001_and_nothing_changes(
    roaming: Any, pool: AsyncConnectionPool
) -> None:
    token_a = await roaming.admit("DE", "TNM")
    partner = OcpiPartner("DE", "TNM")
    await partner.start()
    await partner.stop()  # its port is closed now
    answer = await roaming.http.post(
        "/ocpi/2.2.1/credentials", headers=auth(token_a), json=partner.credentials()
    )
    assert answer.status_code == 200
    assert answer.json()["status_code"] == 3001
    assert (await roaming.http.get("/ocpi/versions", headers=auth(token_a))).status_code == 200
    assert [t for t, _ in await events(pool)] == ["roaming.partner_registered"]
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM partner_secrets")
        assert await cur.fetchone() == (0,)


async def test_a_partner_that_refuses_our_token_b_gets_3001(roaming: Any) -> None:
    token_a = await roaming.admit("DE", "TNM")
    async with OcpiPartner("DE", "TNM") as partner:
        body = {**partner.credentials(), "token": "not-the-token-it-expects"}
        answer = await roaming.http.post(
            "/ocpi/2.2.1/credentials", headers=auth(token_a), json=body
        )
    assert answer.json()["status_code"] == 3001
    assert "HTTP 401" in answer.json()["status_message"]


async def test_the_partner_calls_us_with_token_c_on_every_module(
    connect_partner: Connect, roaming: Any
) -> None:
    partner = await connect_partner("DE", "TNM")
    cdrs = await partner.request("GET", f"{roaming.url}/ocpi/cpo/2.2.1/cdrs")
    assert cdrs.status_code == 200
    assert cdrs.json()["status_code"] == 1000


async def test_a_credentials_update_gives_a_new_token_c_and_retires_the_old_ones(
    connect_partner: Connect, roaming: Any, pool: AsyncConnectionPool
) -> None:
    partner = await connect_partner("DE", "TNM")
    other = await connect_partner("NL", "ABC")
    old_b, old_c = partner.token_b, partner.token_c
    assert old_c is not None

    await partner.update_credentials()

    assert partner.token_c not in (None, old_c)
    with_old = await roaming.http.get("/ocpi/versions", headers=auth(old_c))
    assert with_old.status_code == 401
    cdrs = await partner.request("GET", f"{roaming.url}/ocpi/cpo/2.2.1/cdrs")
    assert cdrs.json()["status_code"] == 1000  # the new token C works
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT party_id, credentials_token FROM partner_secrets ORDER BY party_id"
        )
        secrets = await cur.fetchall()
    assert secrets == [("ABC", other.token_b), ("TNM", partner.token_b)]
    assert old_b not in dict(secrets).values()
    logged = await events(pool)
    assert [t for t, _ in logged].count("roaming.partner_credentials_updated") == 1
    assert all(partner.token_c not in text and partner.token_b not in text for _, text in logged)
    # The other partner was not touched.
    assert other.token_c is not None
    mine = await roaming.http.get("/ocpi/versions", headers=auth(other.token_c))
    assert mine.status_code == 200


async def test_unregistering_ends_the_connection_and_the_party_may_register_again(
    connect_partner: Connect, roaming: Any, pool: AsyncConnectionPool
) -> None:
    partner = await connect_partner("DE", "TNM")
    other = await connect_partner("NL", "ABC")
    assert partner.token_c is not None

    await partner.unregister()

    gone = await roaming.http.get("/ocpi/versions", headers=auth(partner.token_c))
    assert gone.status_code == 401
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT party_id FROM partner_secrets")
        assert await cur.fetchall() == [("ABC",)]  # we no longer call it
    assert other.token_c is not None
    still = await roaming.http.get("/ocpi/versions", headers=auth(other.token_c))
    assert still.status_code == 200
    again = await connect_partner("DE", "TNM")  # admitted and registered anew
    assert again.token_c is not None
    assert (
        await roaming.http.get("/ocpi/versions", headers=auth(again.token_c))
    ).status_code == 200


async def test_update_and_unregister_before_the_handshake_answer_405(roaming: Any) -> None:
    token_a = await roaming.admit("DE", "TNM")
    async with OcpiPartner("DE", "TNM") as partner:
        url = f"{roaming.url}/ocpi/2.2.1/credentials"
        for method in ("PUT", "DELETE"):
            response = await partner.http.request(
                method, url, headers=auth(token_a), json=partner.credentials()
            )
            assert response.status_code == 405, response.text
            assert response.json()["status_code"] == 2000
            assert "not registered over OCPI" in response.json()["status_message"]
