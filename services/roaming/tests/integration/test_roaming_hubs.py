"""A hub between us and many parties (OCPI 2.2.1 sections 1.5 and 3.8), with a real hub
server: it tells us its clients with HubClientInfo, speaks for a CONNECTED client through the
routing headers (and for no one else), and the objects of a client reached only through the
hub are pushed to the hub, addressed to that client."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.push import Pusher
from evroam_testing.ocpi_partner import OcpiPartner

Connect = Callable[..., Awaitable[OcpiPartner]]
ADMIN = {"Authorization": "Bearer it-admin-token"}
CDRS = "/ocpi/cpo/2.2.1/cdrs"


def auth(token: str | None, speaks_for: tuple[str, str] | None = None) -> dict[str, str]:
    assert token is not None
    headers = {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}
    if speaks_for is not None:
        headers |= {
            "OCPI-from-country-code": speaks_for[0],
            "OCPI-from-party-id": speaks_for[1],
            "OCPI-to-country-code": "NL",
            "OCPI-to-party-id": "EVR",
        }
    return headers


@pytest.fixture
async def hub(roaming: Any) -> Any:
    """A hub platform NL*HUB, admitted with role HUB and registered over OCPI."""
    answer = await roaming.http.post(
        "/admin/partners",
        headers=ADMIN,
        json={"name": "The Hub", "country_code": "NL", "party_id": "HUB", "role": "HUB"},
    )
    assert answer.status_code == 201, answer.text
    await roaming.recognised(answer.json()["token"])
    async with OcpiPartner("NL", "HUB") as server:
        await server.register(roaming.versions_url, answer.json()["token"])
        yield server


async def client_info(roaming: Any, hub: OcpiPartner, party: str, status: str) -> httpx.Response:
    cc, pid = party.split("*")
    body = {
        "country_code": cc,
        "party_id": pid,
        "role": "EMSP",
        "status": status,
        "last_updated": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    url = f"/ocpi/2.2.1/clientinfo/{cc}/{pid}"
    return await roaming.http.put(url, headers=auth(hub.token_c), json=body)


async def test_a_hub_speaks_for_its_connected_clients_and_for_nobody_else(
    roaming: Any, hub: OcpiPartner, connect_partner: Connect, issue: Any, make_cdr: Any
) -> None:
    assert (await client_info(roaming, hub, "DE*TNM", "CONNECTED")).json()["status_code"] == 1000
    assert (await client_info(roaming, hub, "FR*XYZ", "OFFLINE")).json()["status_code"] == 1000
    direct = await connect_partner("NL", "ABC")
    await issue(make_cdr("C-TNM", token_owner=("DE", "TNM")))

    for_tnm = await roaming.http.get(CDRS, headers=auth(hub.token_c, ("DE", "TNM")))
    for_itself = await roaming.http.get(CDRS, headers=auth(hub.token_c))
    for_offline = await roaming.http.get(CDRS, headers=auth(hub.token_c, ("FR", "XYZ")))
    not_a_hub = await roaming.http.get(CDRS, headers=auth(direct.token_c, ("DE", "TNM")))

    assert [c["id"] for c in for_tnm.json()["data"]] == ["C-TNM"]
    assert (for_tnm.headers["OCPI-to-country-code"], for_tnm.headers["OCPI-to-party-id"]) == (
        "DE",
        "TNM",
    )
    assert for_itself.json()["data"] == []
    assert for_offline.status_code == 401
    assert not_a_hub.status_code == 401
    assert "may not speak for DE*TNM" in not_a_hub.json()["status_message"]


async def test_only_a_hub_tells_us_of_clients_and_it_can_read_them_back(
    roaming: Any, hub: OcpiPartner, connect_partner: Connect
) -> None:
    direct = await connect_partner("NL", "ABC")
    await client_info(roaming, hub, "DE*TNM", "CONNECTED")

    read = await roaming.http.get("/ocpi/2.2.1/clientinfo/DE/TNM", headers=auth(hub.token_c))
    refused = await roaming.http.put(
        "/ocpi/2.2.1/clientinfo/DE/TNM",
        headers=auth(direct.token_c),
        json={"country_code": "DE", "party_id": "TNM", "role": "EMSP", "status": "SUSPENDED",
              "last_updated": "2026-01-01T00:00:00Z"},
    )  # fmt: skip
    bad = await roaming.http.put(
        "/ocpi/2.2.1/clientinfo/DE/TNM",
        headers=auth(hub.token_c),
        json={"country_code": "DE", "party_id": "TNM", "role": "EMSP"},
    )

    assert (read.json()["data"]["status"], read.json()["data"]["role"]) == ("CONNECTED", "EMSP")
    assert refused.status_code == 405
    assert bad.json()["status_code"] == 2001
    assert "status" in bad.json()["status_message"]


async def test_a_cdr_of_a_party_behind_the_hub_is_pushed_to_the_hub_addressed_to_it(
    roaming: Any, hub: OcpiPartner, issue: Any, make_cdr: Any, pool: Any
) -> None:
    await client_info(roaming, hub, "DE*TNM", "CONNECTED")
    await issue(make_cdr("C-TNM", token_owner=("DE", "TNM")))
    await issue(make_cdr("C-XYZ", token_owner=("FR", "XYZ")))  # behind no hub we know

    async with httpx.AsyncClient() as http:
        pusher = Pusher(
            pool,
            http,
            Party("NL", "EVR"),
            PushPolicy(),
            clock=lambda: datetime.now(UTC) + timedelta(seconds=30),
        )
        assert await pusher.run_once() == 1

    assert list(hub.cdrs) == ["C-TNM"]
    headers = hub.cdr_pushes[0]["headers"]
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("DE", "TNM")
