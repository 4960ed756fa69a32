"""What our eMSP Receivers (OCPI 2.2.1 sections 3.1-3.4) refuse to take even from a caller who
owns what it sends, on the real app over real HTTP and real PostgreSQL: Locations, Sessions,
CDRs and Tariffs from a platform that is not a CPO (or a hub), and Sessions and CDRs whose
`cdr_token` is not one of our own (NL*EVR) drivers'. Each is refused and nothing is stored: no
row, no event, so billing never sees it (docs/adr/0024-emsp-receivers-accept-only-cpos.md).
Other parties' objects: test_roaming_isolation.py; each route's role refusal:
test_roaming_isolation_auth.py."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from evroam_testing.ocpi_partner import OcpiPartner

AT, NOW = "2025-01-01T10:00:00Z", "2030-01-01T00:00:00Z"
ROLE_REFUSED = (403, 2000)  # the refusal of test_roaming_isolation_auth.py's REFUSED table
NOT_OUR_TOKEN = (200, 2001)  # an invalid object, for us (section 1.7)
ONLY_CPOS = "only a CPO (or a hub) sends us Locations, Sessions, CDRs and Tariffs"
EMY_TOKEN = {"country_code": "DE", "party_id": "EMY", "uid": "04EEEEEE", "type": "RFID",
             "contract_id": "DE-EMY-C0000001"}  # fmt: skip


@dataclass
class World:
    shared: Any  # conftest ModuleRoaming
    partners: dict[str, OcpiPartner]  # X (eMSP DE*EMX), P (CPO BE*CPP), H (hub NL*HUB)

    async def push(self, who: str, module: str, method: str, below: str, body: Any) -> Any:
        """`H>HCL`: the hub speaking for its CONNECTED client FR*HCL (section 1.5)."""
        partner = self.partners[who.split(">", maxsplit=1)[0]]
        token = base64.b64encode(str(partner.token_c).encode()).decode()
        headers = {"Authorization": f"Token {token}"}
        if who == "H>HCL":
            headers |= {"OCPI-from-country-code": "FR", "OCPI-from-party-id": "HCL"}
        url = partner.our_endpoints[(module, "RECEIVER")] + below
        http: httpx.AsyncClient = self.shared.roaming.http
        return await http.request(method, url, headers=headers, json=body)


@pytest.fixture(scope="module")
async def world(module_roaming: Any) -> World:
    partners = {}
    for key, cc, pid, role in (("X", "DE", "EMX", "EMSP"), ("P", "BE", "CPP", "CPO"),
                               ("H", "NL", "HUB", "HUB")):  # fmt: skip
        partners[key], _, _ = await module_roaming.connect(cc, pid, role)
    w = World(module_roaming, partners)
    info = {"country_code": "FR", "party_id": "HCL", "role": "CPO", "status": "CONNECTED",
            "last_updated": AT}  # fmt: skip
    hub = partners["H"]
    url = f"{module_roaming.roaming.url}/ocpi/2.2.1/clientinfo/FR/HCL"
    put = await hub.request("PUT", url, json=info)
    assert put.json()["status_code"] == 1000, put.text
    p = partners["P"]
    assert (await p.put_session(p.session_object("S-P"))).status_code == 201  # NL*EVR's
    return w


def _x(w: World) -> OcpiPartner:
    return w.partners["X"]


def _p(w: World) -> OcpiPartner:
    return w.partners["P"]


def _for_hcl(obj: dict[str, Any]) -> dict[str, Any]:
    return {**obj, "country_code": "FR", "party_id": "HCL"}


@dataclass(frozen=True)
class Push:
    """`who` pushes `body` to `method` {module}/{below} of our Receivers and gets `answer`
    (HTTP status, OCPI status_code), whose status_message says `says`."""

    name: str
    who: str
    module: str
    method: str
    below: str
    body: Callable[[World], Any]
    answer: tuple[int, int]
    says: str


PUSHES = [
    # An eMSP's platform, under its own party: the owner check passes, the role check does not.
    Push("an eMSP PUTs a Location", "X", "locations", "PUT", "DE/EMX/L-X",
         lambda w: _x(w).location_object("L-X", "E1"), ROLE_REFUSED, ONLY_CPOS),
    Push("an eMSP PUTs a Session", "X", "sessions", "PUT", "DE/EMX/S-X",
         lambda w: _x(w).session_object("S-X"), ROLE_REFUSED, ONLY_CPOS),
    Push("an eMSP POSTs a CDR of our driver", "X", "cdrs", "POST", "",
         lambda w: _x(w).cdr_object("C-X"), ROLE_REFUSED, ONLY_CPOS),
    Push("an eMSP PUTs a Tariff", "X", "tariffs", "PUT", "DE/EMX/T-X",
         lambda w: _x(w).tariff_object("T-X"), ROLE_REFUSED, ONLY_CPOS),
    # A CPO, under its own party, about another eMSP's driver.
    Push("a CPO POSTs a CDR of another eMSP's token", "P", "cdrs", "POST", "",
         lambda w: _p(w).cdr_object("C-EMY", token_owner=("DE", "EMY")), NOT_OUR_TOKEN,
         "the CDR's cdr_token belongs to DE*EMY, not to an eMSP party of ours (NL*EVR)"),
    Push("a CPO PUTs a Session of another eMSP's token", "P", "sessions", "PUT", "BE/CPP/S-EMY",
         lambda w: _p(w).session_object("S-EMY", token_owner=("de", "emy")), NOT_OUR_TOKEN,
         "the Session's cdr_token belongs to DE*EMY"),
    Push("a CPO PATCHes our driver's Session onto another eMSP's token", "P", "sessions",
         "PATCH", "BE/CPP/S-P", lambda w: {"cdr_token": EMY_TOKEN, "last_updated": NOW},
         NOT_OUR_TOKEN, "the Session's cdr_token belongs to DE*EMY"),
    Push("a hub POSTs its client's CDR of another eMSP's token", "H>HCL", "cdrs", "POST", "",
         lambda w: _for_hcl(_p(w).cdr_object("C-HCL", token_owner=("DE", "EMY"))),
         NOT_OUR_TOKEN, "the CDR's cdr_token belongs to DE*EMY"),
]  # fmt: skip


@pytest.mark.parametrize("push", PUSHES, ids=lambda p: p.name)
async def test_a_push_our_receivers_must_not_take_is_refused_and_nothing_is_stored(
    world: World, push: Push
) -> None:
    before = await world.shared.written()  # every table a request may write, the log included
    answer = await world.push(push.who, push.module, push.method, push.below, push.body(world))
    body = answer.json()
    assert (answer.status_code, body["status_code"]) == push.answer, answer.text
    assert push.says in body["status_message"], body["status_message"]
    assert "data" not in body
    assert await world.shared.written() == before


async def test_the_refused_objects_cannot_be_read_back_and_our_drivers_session_is_unchanged(
    world: World,
) -> None:
    for module, below in (("cdrs", "BE/CPP/C-EMY"), ("sessions", "BE/CPP/S-EMY")):
        got = await world.push("P", module, "GET", below, None)
        assert got.status_code == 404, got.text
    session = await world.push("P", "sessions", "GET", "BE/CPP/S-P", None)
    token = session.json()["data"]["cdr_token"]
    assert (token["country_code"], token["party_id"]) == ("NL", "EVR")


async def test_a_cpo_or_a_hub_for_its_client_may_still_push_our_drivers_cdr(world: World) -> None:
    """The control: the same pushes about our own driver are taken."""
    p = world.partners["P"]
    mine = await world.push("P", "cdrs", "POST", "", p.cdr_object("C-OURS"))
    relayed = await world.push("H>HCL", "cdrs", "POST", "", _for_hcl(p.cdr_object("C-HCL")))
    assert (mine.status_code, mine.json()["status_code"]) == (201, 1000), mine.text
    assert (relayed.status_code, relayed.json()["status_code"]) == (201, 1000), relayed.text
