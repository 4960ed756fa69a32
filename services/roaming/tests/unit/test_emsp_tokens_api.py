"""Our Tokens Sender's HTTP surface (OCPI 2.2.1 sections 3.5 and 6.1) on in-memory fakes: who
may call it, what each kind of bad request gets, and the AuthorizationInfo we answer."""

import base64
import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from evroam_contracts.shared import LocationReferences, OcpiToken, TokenType
from evroam_roaming.domain.emsp_tokens import AuthorizationAnswer, authorize
from evroam_roaming.domain.partners import Partner, Party, token_sha256
from evroam_roaming.ocpi.api import ocpi_app
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.pagination import PageRequest

URL = "/ocpi/emsp/2.2.1/tokens"
CPO = Partner("p-cpo", "A CPO", Party("BE", "BEC"), "CPO", token_sha256("cpo-token-0123456789"))
HUB = Partner("p-hub", "A hub", Party("NL", "HUB"), "HUB", token_sha256("hub-token-0123456789"))
TOKEN = OcpiToken.model_validate(
    {
        "country_code": "NL",
        "party_id": "EVR",
        "uid": "04A1B2",
        "type": "RFID",
        "contract_id": "NL-EVR-C12345678-X",
        "issuer": "evroam",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-11-21T10:00:00Z",
    }
)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


class FakeSender:
    """Our tokens by uid; records what it was asked."""

    def __init__(self, *tokens: OcpiToken) -> None:
        self.tokens = {(t.uid.upper(), t.type): t for t in tokens}
        self.asked: list[dict[str, Any]] = []

    async def page(self, request: PageRequest) -> tuple[int, Sequence[Any]]:
        listed = [{"uid": t.uid} for t in self.tokens.values()]
        return len(listed), listed[request.offset : request.offset + request.limit]

    async def authorize(
        self, *, uid: str, type_: TokenType, location: LocationReferences | None, **kw: Any
    ) -> AuthorizationAnswer | None:
        self.asked.append({"uid": uid, "type": type_, "location": location, **kw})
        token = self.tokens.get((uid.upper(), type_))
        return authorize(token, location, reference="ref-1") if token else None


@pytest.fixture
def sender() -> FakeSender:
    blocked = TOKEN.model_copy(update={"uid": "BLOCKED1", "valid": False})
    return FakeSender(TOKEN, blocked)


@pytest.fixture
async def api(
    ocpi_context: OcpiContext, emsp: Partner, sender: FakeSender
) -> AsyncIterator[httpx.AsyncClient]:
    partners = type(ocpi_context.partners)(emsp, CPO, HUB)  # type: ignore[call-arg]
    context = dataclasses.replace(ocpi_context, partners=partners, emsp_tokens=sender)
    app = FastAPI()
    app.mount("/ocpi", ocpi_app(context))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


CPO_AUTH = auth("cpo-token-0123456789")


async def test_a_cpo_is_allowed_a_valid_token_with_the_whole_token_and_where(
    api: httpx.AsyncClient, sender: FakeSender
) -> None:
    location = {"location_id": "LOC1", "evse_uids": ["E1"]}
    headers = {**CPO_AUTH, "X-Correlation-ID": "corr-1"}
    response = await api.post(f"{URL}/04a1b2/authorize", headers=headers, json=location)
    assert response.status_code == 200
    body = response.json()
    assert body["status_code"] == 1000
    assert body["data"]["allowed"] == "ALLOWED"
    assert body["data"]["location"] == location
    assert body["data"]["authorization_reference"] == "ref-1"
    assert body["data"]["token"]["uid"] == "04A1B2"
    assert body["data"]["token"]["last_updated"] == "2026-11-21T10:00:00Z"
    assert (response.headers["OCPI-to-country-code"], response.headers["OCPI-to-party-id"]) == (
        "BE",
        "BEC",
    )
    [asked] = sender.asked
    assert (asked["partner_id"], asked["cpo"], asked["correlation_id"]) == (
        "p-cpo",
        Party("BE", "BEC"),
        "corr-1",
    )


async def test_an_invalid_token_is_blocked(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{URL}/BLOCKED1/authorize?type=RFID", headers=CPO_AUTH)
    data = response.json()["data"]
    assert (data["allowed"], "location" in data, "authorization_reference" in data) == (
        "BLOCKED",
        False,
        False,
    )


async def test_a_token_that_is_not_ours_is_404_with_2004(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{URL}/NOT-OURS/authorize", headers=CPO_AUTH)
    assert response.status_code == 404
    assert response.json()["status_code"] == 2004
    assert "data" not in response.json()


async def test_the_type_names_which_token_and_defaults_to_rfid(
    api: httpx.AsyncClient, sender: FakeSender
) -> None:
    response = await api.post(f"{URL}/04A1B2/authorize?type=APP_USER", headers=CPO_AUTH)
    assert response.status_code == 404  # our 04A1B2 is an RFID token
    await api.post(f"{URL}/04A1B2/authorize", headers=CPO_AUTH)
    assert [a["type"] for a in sender.asked] == ["APP_USER", "RFID"]


async def test_the_addressed_party_is_passed_on(api: httpx.AsyncClient, sender: FakeSender) -> None:
    headers = {**CPO_AUTH, "OCPI-to-country-code": "nl", "OCPI-to-party-id": "evr"}
    await api.post(f"{URL}/04A1B2/authorize", headers=headers)
    assert sender.asked[0]["addressed"] == Party("NL", "EVR")


async def test_a_hub_may_ask_too(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{URL}/04A1B2/authorize", headers=auth("hub-token-0123456789"))
    assert response.json()["data"]["allowed"] == "ALLOWED"


@pytest.mark.parametrize("path", [f"{URL}/04A1B2/authorize", URL, f"{URL}/"])
async def test_an_emsp_partner_is_refused_with_403(
    api: httpx.AsyncClient, emsp_token: str, sender: FakeSender, path: str
) -> None:
    method = "POST" if path.endswith("authorize") else "GET"
    response = await api.request(method, path, headers=auth(emsp_token))
    assert response.status_code == 403
    assert response.json()["status_code"] == 2000
    assert "CPOs and hubs" in response.json()["status_message"]
    assert sender.asked == []


@pytest.mark.parametrize(
    "headers", [{}, auth("not-a-partner"), {"Authorization": "Bearer cpo-token-0123456789"}]
)
async def test_a_missing_or_wrong_credentials_token_is_401(
    api: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await api.post(f"{URL}/04A1B2/authorize", headers=headers)
    assert response.status_code == 401
    assert response.json()["status_code"] == 2000


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        (f"{URL}/04A1B2/authorize?type=BADGE", None, "type must be one of"),
        (f"{URL}/{'X' * 37}/authorize", None, "longer than 36"),
        (f"{URL}/04A1B2/authorize", {"evse_uids": ["E1"]}, "location_id"),
        (f"{URL}/04A1B2/authorize", {"location_id": "L" * 37}, "location_id"),
        (f"{URL}/04A1B2/authorize", {"location_id": "LOC1", "evse_uids": "E1"}, "evse_uids"),
        (f"{URL}/04A1B2/authorize", ["LOC1"], "body"),
    ],
)
async def test_a_bad_parameter_or_location_is_2001(
    api: httpx.AsyncClient, sender: FakeSender, path: str, body: Any, reason: str
) -> None:
    response = await api.post(path, headers=CPO_AUTH, json=body)
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert reason in response.json()["status_message"]
    assert sender.asked == []


async def test_a_body_that_is_not_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{URL}/04A1B2/authorize", headers=CPO_AUTH, content=b"{nope")
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001


async def test_a_null_body_or_null_evse_uids_mean_none(
    api: httpx.AsyncClient, sender: FakeSender
) -> None:
    await api.post(f"{URL}/04A1B2/authorize", headers=CPO_AUTH, content=b"null")
    await api.post(
        f"{URL}/04A1B2/authorize", headers=CPO_AUTH, json={"location_id": "L1", "evse_uids": None}
    )
    assert [a["location"] for a in sender.asked] == [
        None,
        LocationReferences(location_id="L1", evse_uids=()),
    ]


async def test_the_list_is_paged_with_link_total_and_limit(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{URL}/?limit=1", headers=CPO_AUTH)
    assert response.json()["data"] == [{"uid": "04A1B2"}]
    assert response.headers["X-Total-Count"] == "2"
    assert response.headers["X-Limit"] == "100"
    expected = '<https://roaming.example/ocpi/emsp/2.2.1/tokens?offset=1&limit=1>; rel="next"'
    assert response.headers["Link"] == expected


async def test_a_bad_page_parameter_is_2001(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{URL}?date_from=yesterday", headers=CPO_AUTH)
    assert response.json()["status_code"] == 2001


async def test_version_details_offer_the_tokens_sender_beside_the_receiver(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/ocpi/2.2.1", headers=CPO_AUTH)
    endpoints = {
        (e["identifier"], e["role"]): e["url"] for e in response.json()["data"]["endpoints"]
    }
    assert endpoints[("tokens", "SENDER")] == "https://roaming.example/ocpi/emsp/2.2.1/tokens/"
    assert endpoints[("tokens", "RECEIVER")] == "https://roaming.example/ocpi/cpo/2.2.1/tokens/"
