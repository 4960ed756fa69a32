"""The world the isolation suites of bad input and unknown objects share: three partners
registered with the roaming app (X an eMSP DE*EMX, P a CPO BE*CPP, H a hub NL*HUB, with its
client FR*HCL), our endpoints as we publish them, and one object of each kind P holds with us.
A module beside the tests, not a fixture file: `conftest.py` puts this directory on sys.path.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx

from evroam_contracts.gateway import LocationRegistered
from evroam_contracts.shared import GeoLocation
from evroam_roaming.app import command_sender
from evroam_roaming.domain.emsp_commands import CommandOrder
from evroam_testing.ocpi_partner import OcpiPartner

T1 = "2025-06-01T10:00:00Z"  # when everything the set-up holds was last updated
HUB = ("hubclientinfo", "RECEIVER")


@dataclass
class World:
    shared: Any  # conftest ModuleRoaming
    published: dict[tuple[str, str], str]
    partners: dict[str, OcpiPartner]  # X (eMSP DE*EMX), P (CPO BE*CPP), H (hub NL*HUB)
    command_id: str  # of the STOP_SESSION we sent P, its result not posted yet

    async def call(
        self, who: str, module: tuple[str, str], method: str, below: str, **kw: Any
    ) -> httpx.Response:
        token = base64.b64encode(str(self.partners[who].token_c).encode()).decode()
        url = self.published[module] + below.format(command=self.command_id)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        http: httpx.AsyncClient = self.shared.roaming.http
        return await http.request(method, url, headers=headers, **kw)


async def build_world(module_roaming: Any) -> World:
    x, _, _ = await module_roaming.connect("DE", "EMX", "EMSP")
    p, _, p_id = await module_roaming.connect("BE", "CPP", "CPO")
    h, _, _ = await module_roaming.connect("NL", "HUB", "HUB")
    details = await x.request("GET", f"{module_roaming.roaming.url}/ocpi/2.2.1")
    published = {
        (e["identifier"], e["role"]): e["url"] for e in details.json()["data"]["endpoints"]
    }
    w = World(module_roaming, published, {"X": x, "P": p, "H": h}, "")
    info = {"country_code": "FR", "party_id": "HCL", "role": "EMSP", "status": "CONNECTED",
            "last_updated": T1}  # fmt: skip
    assert (await w.call("H", HUB, "PUT", "FR/HCL", json=info)).json()["status_code"] == 1000
    assert (await x.put_token(x.token("TX1", last_updated=T1))).status_code == 201
    for answer in (
        await p.put_location(p.location_object("L-P", "E1", last_updated=T1)),
        await p.put_session(p.session_object("S-P", last_updated=T1)),
        await p.post_cdr(p.cdr_object("C-P")),
        await p.put_tariff(p.tariff_object("T-P", last_updated=T1)),
    ):
        assert answer.status_code == 201, answer.text
    location = LocationRegistered(
        location_id="LOC1", address="F.Rooseveltlaan 3A", city="Gent", country="BEL",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        time_zone="Europe/Brussels", country_code="BE", party_id="BEC",
    )  # fmt: skip
    await module_roaming.feed(location, "location-LOC1", T1)
    p.scripted_results["STOP_SESSION"] = None  # the test posts results itself
    async with httpx.AsyncClient() as http:
        sender = command_sender(module_roaming.pool, http, module_roaming.roaming.settings)
        order = CommandOrder(p_id, "STOP_SESSION", {"session_id": "S1"})
        w.command_id = (await sender.send(order)).command_id
    return w
