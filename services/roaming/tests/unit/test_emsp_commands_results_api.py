"""Our response_url for the commands we send (OCPI 2.2.1 sections 3.6 and 6.2) on an
in-memory fake: what a CPO's CommandResult gets, and what each kind of bad post gets."""

import base64
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from evroam_roaming.domain.partners import Partner, Party, token_sha256
from evroam_roaming.ocpi.api import ocpi_app
from evroam_roaming.ocpi.commands.models import CommandResult
from evroam_roaming.ocpi.context import OcpiContext

URL = "/ocpi/emsp/2.2.1/commands/START_SESSION/c-1"
CPO = Partner("p-cpo", "A CPO", Party("BE", "BEC"), "CPO", token_sha256("cpo-token-0123456789"))
AUTH = {"Authorization": "Token " + base64.b64encode(b"cpo-token-0123456789").decode()}


class FakeResults:
    """One command, c-1 (START_SESSION), sent to p-cpo."""

    def __init__(self) -> None:
        self.received: list[CommandResult] = []

    async def receive(
        self, *, partner_id: str, command_type: str, command_id: str, result: CommandResult
    ) -> bool:
        if (partner_id, command_type, command_id) != ("p-cpo", "START_SESSION", "c-1"):
            return False
        self.received.append(result)
        return True


@pytest.fixture
def results() -> FakeResults:
    return FakeResults()


@pytest.fixture
async def api(
    ocpi_context: OcpiContext, emsp: Partner, results: FakeResults
) -> AsyncIterator[httpx.AsyncClient]:
    partners = type(ocpi_context.partners)(emsp, CPO)  # type: ignore[call-arg]
    context = dataclasses.replace(ocpi_context, partners=partners, command_results=results)
    app = FastAPI()
    app.mount("/ocpi", ocpi_app(context))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_result_is_received_with_its_message(
    api: httpx.AsyncClient, results: FakeResults
) -> None:
    body = {"result": "ACCEPTED", "message": [{"language": "en", "text": "Charging"}]}
    response = await api.post(URL, headers=AUTH, json=body)
    assert response.status_code == 200
    assert response.json()["status_code"] == 1000
    assert "data" not in response.json()
    assert response.headers["OCPI-to-party-id"] == "BEC"
    [result] = results.received
    assert (result.result, result.message[0].text) == ("ACCEPTED", "Charging")


@pytest.mark.parametrize(
    "url",
    [
        "/ocpi/emsp/2.2.1/commands/START_SESSION/unknown",
        "/ocpi/emsp/2.2.1/commands/STOP_SESSION/c-1",  # not the command it was
    ],
)
async def test_a_result_for_no_command_of_ours_is_404(
    api: httpx.AsyncClient, results: FakeResults, url: str
) -> None:
    response = await api.post(url, headers=AUTH, json={"result": "ACCEPTED"})
    assert response.status_code == 404
    assert (response.json()["status_code"], response.json()["status_message"]) == (
        2000,
        "unknown command",
    )
    assert results.received == []


async def test_another_partners_result_gets_the_same_404(
    api: httpx.AsyncClient, emsp_token: str, results: FakeResults
) -> None:
    auth = {"Authorization": "Token " + base64.b64encode(emsp_token.encode()).decode()}
    response = await api.post(URL, headers=auth, json={"result": "ACCEPTED"})
    assert response.status_code == 404
    assert response.json()["status_message"] == "unknown command"
    assert results.received == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"result": "MAYBE"}, "result"),
        ({}, "result"),
        ({"result": "ACCEPTED", "message": [{"text": "no language"}]}, "language"),
        (["ACCEPTED"], "body"),
        (None, "body"),
    ],
)
async def test_a_malformed_result_is_2001(
    api: httpx.AsyncClient, results: FakeResults, body: Any, reason: str
) -> None:
    response = await api.post(URL, headers=AUTH, content=json.dumps(body))
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert reason in response.json()["status_message"]
    assert results.received == []


async def test_a_result_that_is_not_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(URL, headers=AUTH, content=b"ACCEPTED")
    assert response.status_code == 400


async def test_a_result_without_credentials_is_401(
    api: httpx.AsyncClient, results: FakeResults
) -> None:
    response = await api.post(URL, json={"result": "ACCEPTED"})
    assert response.status_code == 401
    assert results.received == []


async def test_version_details_offer_the_commands_sender(api: httpx.AsyncClient) -> None:
    response = await api.get("/ocpi/2.2.1", headers=AUTH)
    endpoints = {
        (e["identifier"], e["role"]): e["url"] for e in response.json()["data"]["endpoints"]
    }
    assert endpoints[("commands", "SENDER")] == "https://roaming.example/ocpi/emsp/2.2.1/commands/"
