"""The CPO objects' Sender interfaces on in-memory sources: offered only when the composition
root gives them a source, listed in version details, unknown objects 404 with OCPI 2003."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.api import ocpi_app
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.pagination import PageRequest
from evroam_roaming.ocpi.sessions.models import OcpiSession

LOCATION = {"id": "LOC1", "evses": [{"uid": "E1", "connectors": [{"id": "1"}]}]}


class FakeLocations:
    async def page(self, request: PageRequest) -> tuple[int, Sequence[dict[str, Any]]]:
        return 1, [LOCATION][request.offset : request.offset + request.limit]

    async def location(self, location_id: str) -> dict[str, Any] | None:
        return LOCATION if location_id == "LOC1" else None

    async def evse(self, location_id: str, evse_uid: str) -> dict[str, Any] | None:
        found = await self.location(location_id)
        return next((e for e in found["evses"] if e["uid"] == evse_uid), None) if found else None


class NoSessions:
    async def page(self, token_owner: Party, request: PageRequest) -> tuple[int, list[OcpiSession]]:
        return 0, []


class NoTariffs:
    async def page(
        self, partner: Party, request: PageRequest, now: datetime
    ) -> tuple[int, list[dict[str, Any]]]:
        return 0, []


@pytest_asyncio.fixture
async def cpo_ocpi(ocpi_context: OcpiContext) -> AsyncIterator[httpx.AsyncClient]:
    context = replace(
        ocpi_context, locations=FakeLocations(), sessions=NoSessions(), tariffs=NoTariffs()
    )
    app = FastAPI()
    app.mount("/ocpi", ocpi_app(context))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def test_version_details_list_the_three_senders_when_offered(
    cpo_ocpi: httpx.AsyncClient, emsp_token: str
) -> None:
    response = await cpo_ocpi.get("/ocpi/2.2.1", headers=auth(emsp_token))
    endpoints = response.json()["data"]["endpoints"]
    assert endpoints[3:] == [
        {
            "identifier": module,
            "role": "SENDER",
            "url": f"https://roaming.example/ocpi/cpo/2.2.1/{module}/",
        }
        for module in ("locations", "sessions", "tariffs")
    ]


async def test_without_a_source_a_module_is_not_offered(
    ocpi: httpx.AsyncClient, emsp_token: str
) -> None:
    for module in ("locations", "sessions", "tariffs"):
        response = await ocpi.get(f"/ocpi/cpo/2.2.1/{module}", headers=auth(emsp_token))
        assert response.status_code == 404
    details = await ocpi.get("/ocpi/2.2.1", headers=auth(emsp_token))
    modules = [e["identifier"] for e in details.json()["data"]["endpoints"]]
    assert modules == ["credentials", "cdrs", "tokens"]


async def test_objects_are_served_and_unknown_ones_are_404_with_2003(
    cpo_ocpi: httpx.AsyncClient, emsp_token: str
) -> None:
    base = "/ocpi/cpo/2.2.1/locations"
    connector = await cpo_ocpi.get(f"{base}/LOC1/E1/1", headers=auth(emsp_token))
    assert connector.json() == {
        "data": {"id": "1"},
        "status_code": 1000,
        "status_message": "Success",
        "timestamp": "2025-03-04T05:06:07Z",
    }
    listed = await cpo_ocpi.get(f"{base}/", headers=auth(emsp_token))
    assert listed.json()["data"] == [LOCATION]
    assert listed.headers["X-Total-Count"] == "1"
    for path in ("LOC2", "LOC1/E2", "LOC1/E1/2"):
        response = await cpo_ocpi.get(f"{base}/{path}", headers=auth(emsp_token))
        assert response.status_code == 404
        assert response.json()["status_code"] == 2003
        assert response.headers["OCPI-to-party-id"] == "TNM"
