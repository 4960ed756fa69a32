"""A partner sees and changes only what is its own (OCPI 2.2.1 sections 1.3 and 1.5), on the
real app over real HTTP and real PostgreSQL, with two eMSPs (DE*EMX, DE*EMY), two CPOs (BE*CPP,
BE*CPQ) and a hub (NL*HUB, with its CONNECTED client FR*HCL): another party's object gets the
very answer an object nobody holds gets, writes nothing, and every list holds the caller's
own objects only. Commands: test_roaming_isolation_commands.py."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Event
from evroam_contracts.cdr import Cdr, CdrIssued
from evroam_contracts.ids import new_id
from evroam_contracts.tariff import TariffAssigned, TariffPublished
from evroam_roaming.app import cdr_consumer, command_sender
from evroam_roaming.consumers import cpo_objects_consumer
from evroam_roaming.domain.emsp_commands import CommandOrder
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.session_events import started

AT = "2024-05-01T08:00:00Z"
NOW = "2030-01-01T00:00:00Z"  # newer than anything held: a change would be taken
CDR_EXAMPLE = Path(__file__).parents[1] / "data" / "cdr_example.json"
Body = Callable[["World", str], Any]


@dataclass
class World:
    shared: Any  # conftest ModuleRoaming
    published: dict[tuple[str, str], str]
    partners: dict[str, OcpiPartner]  # X, Y (eMSPs), P, Q (CPOs), H (hub)
    partner_ids: dict[str, str]
    command_ids: dict[str, str]  # the commands we (eMSP) sent to P and to Q

    @property
    def http(self) -> httpx.AsyncClient:
        http: httpx.AsyncClient = self.shared.roaming.http
        return http

    @property
    def pool(self) -> AsyncConnectionPool:
        pool: AsyncConnectionPool = self.shared.pool
        return pool

    def headers(self, who: str) -> dict[str, str]:
        """`H>HCL`: the hub speaking for its CONNECTED client FR*HCL (section 1.5)."""
        partner = self.partners[who.split(">", maxsplit=1)[0]]
        assert partner.token_c is not None
        headers = {"Authorization": "Token " + base64.b64encode(partner.token_c.encode()).decode()}
        if who == "H>HCL":
            headers |= {"OCPI-from-country-code": "FR", "OCPI-from-party-id": "HCL"}
        return headers


async def feed(shared: Any, event: Event, stream: str, version: int = 1) -> None:
    """The event as its producer's relay publishes it, handed to our consumer of it."""
    consumer = cdr_consumer() if isinstance(event, CdrIssued) else cpo_objects_consumer()
    await shared.feed(event, stream, AT, version, consumer)


def our_cdr(cdr_id: str, owner: tuple[str, str]) -> CdrIssued:
    data = json.loads(CDR_EXAMPLE.read_text(), parse_float=Decimal)
    data["id"], data["last_updated"] = cdr_id, AT
    data["cdr_token"] |= {"country_code": owner[0], "party_id": owner[1]}
    return CdrIssued(cdr=Cdr.model_validate(data), time_zone="Europe/Brussels")


def tariff(tariff_id: str) -> TariffPublished:
    component = {"type": "ENERGY", "price": 0.3, "vat": 21.0, "step_size": 1}
    body = {"country_code": "BE", "party_id": "BEC", "id": tariff_id, "currency": "EUR",
            "elements": [{"price_components": [component]}], "last_updated": AT}  # fmt: skip
    return TariffPublished(tariff_id=tariff_id, tariff_version=1, tariff=body, published_at=AT)


async def our_objects(shared: Any) -> None:
    """As CPO: sessions and CDRs of X's and Y's drivers; a public tariff and one for Y only."""
    for owner, suffix in ((("DE", "EMX"), "X"), (("DE", "EMY"), "Y")):
        await feed(shared, started(f"S-{suffix}", owner=owner), f"session-S-{suffix}")
        await feed(shared, our_cdr(f"C-{suffix}", owner), f"cdr-C-{suffix}")
    for tariff_id, emsp in (
        ("T-ALL", {}),
        ("T-Y", {"emsp_country_code": "DE", "emsp_party_id": "EMY"}),
    ):
        await feed(shared, tariff(tariff_id), f"tariff-{tariff_id}")
        assigned = TariffAssigned(location_id="LOC1", tariff_id=tariff_id, tariff_version=1,
                                  effective_from=AT, **emsp)  # fmt: skip
        await feed(shared, assigned, f"tariff-{tariff_id}", 2)


async def their_objects(w: World) -> None:
    """Tokens X and Y pushed to us (CPO); what P pushed to our eMSP Receivers; Q's own CDR
    under P's CDR id; the commands we sent to P and to Q, their results not posted yet."""
    x, y, p, q = (w.partners[k] for k in "XYPQ")
    for emsp, uid in ((x, "TX1"), (y, "TY1")):
        assert (await emsp.put_token(emsp.token(uid))).status_code == 201
        url = emsp.token_url(emsp.country_code, emsp.party_id, uid)
        async with asyncio.timeout(5):
            while True:  # GET reads the tokens projection, a poll behind
                if (await emsp.request("GET", url)).status_code == 200:
                    break
                await asyncio.sleep(0.02)
    assert (await p.put_location(p.location_object("L-P", "E1"))).status_code == 201
    assert (await p.put_session(p.session_object("S-P"))).status_code == 201
    assert (await p.post_cdr(p.cdr_object("C-P"))).status_code == 201
    assert (await q.post_cdr(q.cdr_object("C-P"))).status_code == 201
    assert (await p.put_tariff(p.tariff_object("T-P"))).status_code == 201
    async with httpx.AsyncClient() as http:
        sender = command_sender(w.pool, http, w.shared.roaming.settings)
        for name, cpo in (("P", p), ("Q", q)):
            cpo.scripted_results["STOP_SESSION"] = None
            order = CommandOrder(w.partner_ids[name], "STOP_SESSION", {"session_id": "S1"})
            w.command_ids[name] = (await sender.send(order)).command_id


@pytest.fixture(scope="module")
async def world(module_roaming: Any) -> World:
    partners, ids = {}, {}
    for key, cc, pid, role in (("X", "DE", "EMX", "EMSP"), ("Y", "DE", "EMY", "EMSP"),
                               ("P", "BE", "CPP", "CPO"), ("Q", "BE", "CPQ", "CPO"),
                               ("H", "NL", "HUB", "HUB")):  # fmt: skip
        partners[key], _, ids[key] = await module_roaming.connect(cc, pid, role)
    w = World(module_roaming, {}, partners, ids, {})
    info = {"country_code": "FR", "party_id": "HCL", "role": "EMSP", "status": "CONNECTED",
            "last_updated": AT}  # fmt: skip
    put = await w.http.put("/ocpi/2.2.1/clientinfo/FR/HCL", headers=w.headers("H"), json=info)
    assert put.json()["status_code"] == 1000
    details = (await w.http.get("/ocpi/2.2.1", headers=w.headers("X"))).json()["data"]
    w.published = {(e["identifier"], e["role"]): e["url"] for e in details["endpoints"]}
    await our_objects(module_roaming)
    await their_objects(w)
    return w


@dataclass(frozen=True)
class Probe:
    """A call at an object of `victim` (`held`), and at one nobody holds (`missing`), below
    the URL published for `module`; `answer`: what everyone but the owner gets for both."""

    module: tuple[str, str]
    method: str
    held: str
    missing: str
    victim: str  # Y (an eMSP) or P (a CPO)
    answer: tuple[int, int]  # HTTP status, OCPI status_code
    body: Body | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.module[0]}:{self.module[1]}/{self.held}"


TOKENS, SESSIONS = ("tokens", "RECEIVER"), ("sessions", "RECEIVER")
LOCATIONS, CDRS, TARIFFS = ("locations", "RECEIVER"), ("cdrs", "RECEIVER"), ("tariffs", "RECEIVER")
NOT_YOURS = (404, 2001)  # "... is not a party of your platform"
NO_ROUTE = (404, 2000)  # an unknown path, for everyone alike
PROBES = [
    # As CPO: the tokens Y pushed to our Tokens Receiver.
    Probe(TOKENS, "GET", "DE/EMY/TY1", "DE/EMY/NOPE", "Y", NOT_YOURS),
    Probe(TOKENS, "PUT", "DE/EMY/TY1", "DE/EMY/NOPE", "Y", NOT_YOURS,
          lambda w, path: w.partners["Y"].token(path.split("/")[2], valid=False)),
    Probe(TOKENS, "PATCH", "DE/EMY/TY1", "DE/EMY/NOPE", "Y", NOT_YOURS,
          lambda w, path: {"valid": False, "last_updated": NOW}),
    # As CPO: no single session, CDR or tariff is served.
    Probe(("sessions", "SENDER"), "GET", "S-Y", "NOPE", "Y", NO_ROUTE),
    Probe(("cdrs", "SENDER"), "GET", "C-Y", "NOPE", "Y", NO_ROUTE),
    Probe(("tariffs", "SENDER"), "GET", "T-Y", "NOPE", "Y", NO_ROUTE),
    # As eMSP: what P pushed to our Receivers.
    *[Probe(LOCATIONS, "GET", f"BE/CPP/L-P{at}", f"BE/CPP/NOPE{at}", "P", NOT_YOURS)
      for at in ("", "/E1", "/E1/1")],
    Probe(LOCATIONS, "PUT", "BE/CPP/L-P", "BE/CPP/NOPE", "P", NOT_YOURS,
          lambda w, path: w.partners["P"].location_object(path.split("/")[2], "E1",
                                                          last_updated=NOW)),
    Probe(LOCATIONS, "PUT", "BE/CPP/L-P/E1", "BE/CPP/NOPE/E1", "P", NOT_YOURS,
          lambda w, path: w.partners["P"].evse_object("E1", "REMOVED", last_updated=NOW)),
    Probe(LOCATIONS, "PUT", "BE/CPP/L-P/E1/1", "BE/CPP/NOPE/E1/1", "P", NOT_YOURS,
          lambda w, path: w.partners["P"].connector_object("1", last_updated=NOW)),
    *[Probe(LOCATIONS, "PATCH", f"BE/CPP/L-P{at}", f"BE/CPP/NOPE{at}", "P", NOT_YOURS,
            lambda w, path: {"last_updated": NOW}) for at in ("", "/E1", "/E1/1")],
    Probe(SESSIONS, "GET", "BE/CPP/S-P", "BE/CPP/NOPE", "P", NOT_YOURS),
    Probe(SESSIONS, "PUT", "BE/CPP/S-P", "BE/CPP/NOPE", "P", NOT_YOURS,
          lambda w, path: w.partners["P"].session_object(path.split("/")[2], status="INVALID",
                                                         last_updated=NOW)),
    Probe(SESSIONS, "PATCH", "BE/CPP/S-P", "BE/CPP/NOPE", "P", NOT_YOURS,
          lambda w, path: {"status": "INVALID", "last_updated": NOW}),
    Probe(CDRS, "GET", "BE/CPP/C-P", "BE/CPP/NOPE", "P", NOT_YOURS),
    # The CDR's owner is in the body: P's CDR id with other figures, or an id P never used.
    Probe(CDRS, "POST", "C-P", "NOPE", "P", NOT_YOURS,
          lambda w, cdr_id: w.partners["P"].cdr_object(cdr_id, total_energy=1)),
    Probe(TARIFFS, "GET", "BE/CPP/T-P", "BE/CPP/NOPE", "P", NOT_YOURS),
    Probe(TARIFFS, "PUT", "BE/CPP/T-P", "BE/CPP/NOPE", "P", NOT_YOURS,
          lambda w, path: w.partners["P"].tariff_object(path.split("/")[2], last_updated=NOW)),
    Probe(TARIFFS, "DELETE", "BE/CPP/T-P", "BE/CPP/NOPE", "P", NOT_YOURS),
    # As eMSP: the response_url of the command we sent to P ("unknown command", OCPI 2000).
    Probe(("commands", "SENDER"), "POST", "STOP_SESSION/{P}", f"STOP_SESSION/{new_id()}", "P",
          (404, 2000), lambda w, path: {"result": "ACCEPTED"}),
]  # fmt: skip
# Who tries: a party of the victim's role, one of the other role, the hub, the hub for its client.
PRYING = {"Y": ("X", "P", "H", "H>HCL"), "P": ("Q", "X", "H", "H>HCL")}
# Our Receivers turn a caller of the wrong role away before looking at any owner (ADR 0024):
# an eMSP (X) at those of CPO-owned objects, a CPO (P) at the Tokens Receiver
# (test_roaming_isolation_auth.py), for held and missing objects alike.
CPO_OBJECTS, ROLE_REFUSED = {LOCATIONS, SESSIONS, CDRS, TARIFFS}, (403, 2000)


def _expected(probe: Probe, who: str) -> tuple[int, int]:
    wrong_role = (who == "X" and probe.module in CPO_OBJECTS) or (
        who == "P" and probe.module == TOKENS
    )
    return ROLE_REFUSED if wrong_role else probe.answer


async def _call(w: World, who: str, probe: Probe, below: str) -> httpx.Response:
    body = None if probe.body is None else probe.body(w, below)
    if probe.module == CDRS and probe.method == "POST":
        below = ""  # POST {cdrs}: the CDR names its owner
    url = w.published[probe.module] + below.format(**w.command_ids)
    return await w.http.request(probe.method, url, headers=w.headers(who), json=body)


def test_the_probes_cover_every_module_that_holds_other_parties_objects(world: World) -> None:
    # Not probed: credentials and hubclientinfo (the caller's own only), locations SENDER
    # (every partner sees every location), tokens SENDER (ours: every CPO sees them all),
    # commands RECEIVER (test_roaming_isolation_commands.py).
    elsewhere = {
        ("credentials", "SENDER"), ("hubclientinfo", "RECEIVER"), ("locations", "SENDER"),
        ("tokens", "SENDER"), ("commands", "RECEIVER"),
    }  # fmt: skip
    assert {p.module for p in PROBES} | elsewhere == set(world.published)


@pytest.mark.parametrize("probe", PROBES, ids=str)
async def test_another_partys_object_answers_as_one_nobody_holds_and_stays_as_it_was(
    world: World, probe: Probe
) -> None:
    callers = PRYING[probe.victim]
    before = await world.shared.written()
    held = await asyncio.gather(*(_call(world, c, probe, probe.held) for c in callers))
    missing = await asyncio.gather(*(_call(world, c, probe, probe.missing) for c in callers))
    for who, a, b in zip(callers, held, missing, strict=True):
        assert (a.status_code, a.json()["status_code"]) == _expected(probe, who), (who, a.text)
        assert (b.status_code, b.json()["status_code"]) == _expected(probe, who), (who, b.text)
        assert a.json()["status_message"] == b.json()["status_message"], who
        assert "data" not in a.json(), who
    assert await world.shared.written() == before
    if probe.method == "GET" and probe.answer == NOT_YOURS:  # it is there, for its owner
        mine = await _call(world, probe.victim, probe, probe.held)
        assert (mine.status_code, mine.json()["status_code"]) == (200, 1000), mine.text


LISTS = {  # module -> {caller: the ids it is served}
    "sessions": {"X": ["S-X"], "Y": ["S-Y"], "P": [], "H": [], "H>HCL": []},
    "cdrs": {"X": ["C-X"], "Y": ["C-Y"], "P": [], "H": [], "H>HCL": []},
    # A tariff assigned to named eMSPs is theirs alone; the others' to every partner.
    "tariffs": {"X": ["T-ALL"], "Y": ["T-ALL", "T-Y"], "P": ["T-ALL"], "H": ["T-ALL"],
                "H>HCL": ["T-ALL"]},
}  # fmt: skip


@pytest.mark.parametrize("module", list(LISTS))
async def test_a_list_holds_the_callers_own_objects_only(world: World, module: str) -> None:
    url = world.published[(module, "SENDER")]
    callers = list(LISTS[module])
    wholes = await asyncio.gather(*(world.http.get(url, headers=world.headers(c)) for c in callers))
    firsts = await asyncio.gather(
        *(world.http.get(url, headers=world.headers(c), params={"limit": "1"}) for c in callers)
    )
    for (who, ids), whole, first in zip(LISTS[module].items(), wholes, firsts, strict=True):
        served = [o["id"] for o in whole.json()["data"]]
        assert sorted(served) == ids, who
        assert [o["id"] for o in first.json()["data"]] == served[:1], who
        assert whole.headers["X-Total-Count"] == first.headers["X-Total-Count"] == str(len(ids))


SPOOFS = [  # a party writing under its own URL with another party's owner in the body
    ("Y", TOKENS, "PUT", "DE/EMY/SPOOF", lambda w: w.partners["X"].token("SPOOF")),
    ("Q", LOCATIONS, "PUT", "BE/CPQ/SPOOF",
     lambda w: w.partners["P"].location_object("SPOOF", "E1")),
    ("Q", SESSIONS, "PUT", "BE/CPQ/SPOOF", lambda w: w.partners["P"].session_object("SPOOF")),
    ("Q", TARIFFS, "PUT", "BE/CPQ/SPOOF", lambda w: w.partners["P"].tariff_object("SPOOF")),
]  # fmt: skip


@pytest.mark.parametrize(("who", "module", "method", "below", "body"), SPOOFS,
                         ids=[f"{s[2]} {s[1][0]}" for s in SPOOFS])  # fmt: skip
async def test_a_body_naming_another_owner_than_the_url_is_refused_and_writes_nothing(
    world: World, who: str, module: tuple[str, str], method: str, below: str, body: Any
) -> None:
    before = await world.shared.written()
    url = world.published[module] + below
    answer = await world.http.request(method, url, headers=world.headers(who), json=body(world))
    assert (answer.status_code, answer.json()["status_code"]) == (200, 2001), answer.text
    assert answer.json()["status_message"].endswith("differs from the URL in: party_id")
    assert await world.shared.written() == before


async def test_a_hub_cannot_take_over_a_party_registered_with_us_directly(world: World) -> None:
    hub, _, _ = await world.shared.connect("NL", "HB2", "HUB")
    token = {"Authorization": "Token " + base64.b64encode(str(hub.token_c).encode()).decode()}
    info = {"country_code": "DE", "party_id": "EMY", "role": "EMSP", "status": "CONNECTED",
            "last_updated": AT}  # fmt: skip
    await world.http.put("/ocpi/2.2.1/clientinfo/DE/EMY", headers=token, json=info)
    as_y = token | {"OCPI-from-country-code": "DE", "OCPI-from-party-id": "EMY"}
    cdrs = await world.http.get(world.published[("cdrs", "SENDER")], headers=as_y)
    sessions = await world.http.get(world.published[("sessions", "SENDER")], headers=as_y)
    y_token = await world.http.get(world.published[TOKENS] + "DE/EMY/TY1", headers=as_y)
    forged = world.partners["Y"].token("FORGED")
    put = await world.http.put(world.published[TOKENS] + "DE/EMY/FORGED", headers=as_y, json=forged)
    assert "C-Y" not in cdrs.text, cdrs.text
    assert "S-Y" not in sessions.text, sessions.text
    assert y_token.status_code != 200, y_token.text
    assert put.status_code != 201, put.text


async def test_a_hub_cannot_speak_for_our_own_party(world: World) -> None:
    hub, _, _ = await world.shared.connect("NL", "HB3", "HUB")
    token = {"Authorization": "Token " + base64.b64encode(str(hub.token_c).encode()).decode()}
    info = {"country_code": "NL", "party_id": "EVR", "role": "EMSP", "status": "CONNECTED",
            "last_updated": AT}  # fmt: skip
    await world.http.put("/ocpi/2.2.1/clientinfo/NL/EVR", headers=token, json=info)
    as_us = token | {"OCPI-from-country-code": "NL", "OCPI-from-party-id": "EVR"}
    ours = hub.token("OURS") | {"country_code": "NL", "party_id": "EVR"}
    put = await world.http.put(world.published[TOKENS] + "NL/EVR/OURS", headers=as_us, json=ours)
    assert put.status_code == 401, put.text
