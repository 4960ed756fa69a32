"""Who may call what, for every route the service publishes (its version details, OCPI 2.2.1
sections 1.2, 1.5 and 1.7), on the real app over real HTTP and real PostgreSQL: a caller it
cannot identify gets HTTP 401 in an envelope, a party the caller may not speak for 401, a
role a route does not serve its documented refusal, and none of them writes anything.

The route table is checked against what `GET /ocpi/2.2.1` publishes and against the methods
the app answers, so that a module or a method without a row here fails this suite.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from evroam_testing.ocpi_partner import OcpiPartner

ADMIN = {"Authorization": "Bearer it-admin-token"}  # the conftest's admin token
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    """A method on a path below the URL published for (module, role); `versions` is not in
    the version details (it is where they are found): its paths are absolute."""

    module: str
    role: str
    method: str
    below: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.module}:{self.role}/{self.below}"

    def url(self, world: World) -> str:
        if self.module == "versions":
            return str(world.shared.roaming.url) + self.below
        return world.published[(self.module, self.role)] + self.below


def _routes(module: str, role: str, methods: str, *paths: str) -> list[Route]:
    return [Route(module, role, m, p) for p in paths or ("",) for m in methods.split()]


ROUTES = [
    *_routes("versions", "-", "GET", "/ocpi/versions", "/ocpi/2.2.1"),
    *_routes("credentials", "SENDER", "GET POST PUT DELETE"),
    # CPO role: the Senders of our objects, the Tokens and Commands Receivers.
    *_routes("cdrs", "SENDER", "GET"),
    *_routes("locations", "SENDER", "GET", "", "LOC1", "LOC1/E1", "LOC1/E1/1"),
    *_routes("sessions", "SENDER", "GET"),
    *_routes("tariffs", "SENDER", "GET"),
    *_routes("tokens", "RECEIVER", "GET PUT PATCH", "DE/EMX/T1"),
    *_routes("commands", "RECEIVER", "POST", "START_SESSION"),
    # eMSP role: our Tokens Sender, our response_urls, the Receivers of the CPOs' objects.
    *_routes("tokens", "SENDER", "GET", ""),
    *_routes("tokens", "SENDER", "POST", "T1/authorize"),
    *_routes("commands", "SENDER", "POST", "START_SESSION/0190e4b0-0000-7000-8000-000000000000"),
    *_routes("locations", "RECEIVER", "GET PUT PATCH", "BE/CPP/L1", "BE/CPP/L1/E1",
             "BE/CPP/L1/E1/1"),
    *_routes("sessions", "RECEIVER", "GET PUT PATCH", "BE/CPP/S1"),
    *_routes("cdrs", "RECEIVER", "POST", ""),
    *_routes("cdrs", "RECEIVER", "GET", "BE/CPP/C1"),
    *_routes("tariffs", "RECEIVER", "GET PUT DELETE", "BE/CPP/T1"),
    *_routes("hubclientinfo", "RECEIVER", "GET PUT", "FR/HCL"),
]  # fmt: skip
# DELETE credentials unregisters whoever calls it with a token we know: kept out of the tables
# that call with one (the set-up's unregistered partner made that call).
HARMLESS = [r for r in ROUTES if (r.module, r.method) != ("credentials", "DELETE")]
# (module, role) -> {the caller's role: (HTTP status, what the refusal says)}; OCPI 2000.
REFUSED = {
    ("commands", "RECEIVER"): {"CPO": (403, "only an eMSP may send commands")},
    ("tokens", "RECEIVER"): {"CPO": (403, "only an eMSP (or a hub) sends us Tokens")},
    ("tokens", "SENDER"): {"EMSP": (403, "our Tokens Sender serves CPOs and hubs")},
    # The eMSP Receivers of CPO-owned objects (ADR 0024): reads too, whatever the owner.
    **{
        (m, "RECEIVER"): {"EMSP": (403, "only a CPO (or a hub) sends us Locations, Sessions")}
        for m in ("locations", "sessions", "cdrs", "tariffs")
    },
    # Inconsistent with the ones above: 405, with an empty Allow header.
    ("hubclientinfo", "RECEIVER"): {
        "EMSP": (405, "only a hub (role HUB) pushes ClientInfo"),
        "CPO": (405, "only a hub (role HUB) pushes ClientInfo"),
    },
}


@dataclass
class World:
    shared: Any  # conftest ModuleRoaming
    published: dict[tuple[str, str], str]
    callers: dict[str, OcpiPartner]  # by role: EMSP (DE*EMX), CPO (BE*CPP), HUB (NL*HUB)
    token_a: str  # DE*EMX's token A, spent by its handshake
    unregistered_token_c: str  # DE*OLD's token C; DE*OLD has unregistered since


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def client_info(roaming: Any, hub: OcpiPartner, cc: str, pid: str, status: str) -> None:
    body = {"country_code": cc, "party_id": pid, "role": "EMSP", "status": status,
            "last_updated": "2026-01-01T00:00:00Z"}  # fmt: skip
    assert hub.token_c is not None
    url = f"/ocpi/2.2.1/clientinfo/{cc}/{pid}"
    answer = await roaming.http.put(url, headers=auth(hub.token_c), json=body)
    assert answer.json()["status_code"] == 1000, answer.text


@pytest.fixture(scope="module")
async def world(module_roaming: Any) -> World:
    roaming = module_roaming.roaming
    emsp, token_a, _ = await module_roaming.connect("DE", "EMX", "EMSP")
    await module_roaming.connect("DE", "EMY", "EMSP")
    cpo, _, _ = await module_roaming.connect("BE", "CPP", "CPO")
    hub, _, _ = await module_roaming.connect("NL", "HUB", "HUB")
    await client_info(roaming, hub, "FR", "HCL", "CONNECTED")
    await client_info(roaming, hub, "FR", "OFF", "OFFLINE")
    gone, _, _ = await module_roaming.connect("DE", "OLD", "EMSP")
    old_c = str(gone.token_c)
    await gone.unregister()
    async with asyncio.timeout(5):
        while True:  # the partners projection drops it within a poll
            if (await roaming.http.get("/ocpi/versions", headers=auth(old_c))).status_code == 401:
                break
            await asyncio.sleep(0.02)
    details = await roaming.http.get("/ocpi/2.2.1", headers=auth(str(emsp.token_c)))
    published = {
        (e["identifier"], e["role"]): e["url"] for e in details.json()["data"]["endpoints"]
    }
    callers = {"EMSP": emsp, "CPO": cpo, "HUB": hub}
    return World(module_roaming, published, callers, token_a, old_c)


async def call(world: World, route: Route, headers: dict[str, str]) -> httpx.Response:
    """The route with `{}` as the body of a POST/PUT/PATCH: never a valid object, so that
    whatever gets past the check under test still writes nothing."""
    body: dict[str, Any] | None = {} if route.method in ("POST", "PUT", "PATCH") else None
    http: httpx.AsyncClient = world.shared.roaming.http
    return await http.request(route.method, route.url(world), headers=headers, json=body)


def routing(speaks_for: tuple[str, str]) -> dict[str, str]:
    return {"OCPI-from-country-code": speaks_for[0], "OCPI-from-party-id": speaks_for[1],
            "OCPI-to-country-code": "NL", "OCPI-to-party-id": "EVR"}  # fmt: skip


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


UNIDENTIFIED: dict[str, Callable[[World], dict[str, str]]] = {
    "no Authorization": lambda w: {},
    "another scheme": lambda w: {"Authorization": "Bearer " + _b64(str(w.callers["EMSP"].token_c))},
    "Token without a value": lambda w: {"Authorization": "Token"},
    "an unknown token": lambda w: auth(secrets.token_urlsafe(32)),
    "token A after the handshake": lambda w: auth(w.token_a),
    "token C of an unregistered partner": lambda w: auth(w.unregistered_token_c),
}
NOT_ITS_PARTY = {  # the caller's role, the party it names in OCPI-from-*
    "an eMSP naming another eMSP": ("EMSP", ("DE", "EMY")),
    "an eMSP naming a hub's CONNECTED client": ("EMSP", ("FR", "HCL")),
    "a CPO naming an eMSP": ("CPO", ("DE", "EMX")),
    "a hub naming its OFFLINE client": ("HUB", ("FR", "OFF")),
    "a hub naming a party it never reported": ("HUB", ("DE", "EMY")),
}


def test_the_table_covers_every_module_and_role_the_version_details_publish(
    world: World,
) -> None:
    assert {(r.module, r.role) for r in ROUTES if r.module != "versions"} == set(world.published)


@pytest.mark.parametrize(
    "below",
    sorted({(r.module, r.role, r.below) for r in ROUTES}),
    ids="{0[0]}:{0[1]}/{0[2]}".format,
)
async def test_no_route_answers_a_method_the_table_lacks(
    world: World, below: tuple[str, str, str]
) -> None:
    """HTTP 405 in an envelope, with or without a token: routing comes before authentication
    (a method no route offers reveals nothing of any object)."""
    others = sorted(
        set(METHODS) - {r.method for r in ROUTES if (r.module, r.role, r.below) == below}
    )
    url = Route(*below[:2], "GET", below[2]).url(world)
    http: httpx.AsyncClient = world.shared.roaming.http
    for headers in (auth(str(world.callers["EMSP"].token_c)), {}):
        answers = await asyncio.gather(*(http.request(m, url, headers=headers) for m in others))
        codes = {
            m: (a.status_code, a.json()["status_code"])
            for m, a in zip(others, answers, strict=True)
        }
        assert codes == dict.fromkeys(others, (405, 2000)), headers


@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_a_caller_we_cannot_identify_gets_401_in_an_envelope_and_writes_nothing(
    world: World, route: Route
) -> None:
    before = await world.shared.written()
    answers = await asyncio.gather(*(call(world, route, h(world)) for h in UNIDENTIFIED.values()))
    for how, response in zip(UNIDENTIFIED, answers, strict=True):
        assert response.status_code == 401, how
        assert response.headers["WWW-Authenticate"] == "Token", how
        body = response.json()
        assert set(body) == {"status_code", "status_message", "timestamp"}, how  # no data
        assert body["status_code"] == 2000, how
    assert await world.shared.written() == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_routing_headers_naming_a_party_the_caller_may_not_speak_for_get_401(
    world: World, route: Route
) -> None:
    before = await world.shared.written()
    answers = await asyncio.gather(
        *(
            call(world, route, auth(str(world.callers[role].token_c)) | routing(party))
            for role, party in NOT_ITS_PARTY.values()
        )
    )
    for (who, (_, party)), response in zip(NOT_ITS_PARTY.items(), answers, strict=True):
        body = response.json()
        assert (response.status_code, body["status_code"]) == (401, 2000), who
        assert ("data" in body, response.headers["WWW-Authenticate"]) == (False, "Token"), who
        assert f"may not speak for {party[0]}*{party[1]}" in body["status_message"], who
    assert await world.shared.written() == before


SPEAKING_FOR_ITS_OWN = {  # the caller's role, the OCPI-from-* headers it sends
    "a hub for its CONNECTED client": ("HUB", routing(("FR", "HCL"))),
    "the same in lower case (CiStrings)": ("HUB", routing(("fr", "hcl"))),
    "an eMSP naming itself": ("EMSP", routing(("de", "emx"))),
    # Pinned: half a FROM address is ignored; the caller speaks for its own party.
    "an eMSP naming another country only": ("EMSP", {"OCPI-from-country-code": "FR"}),
}


@pytest.mark.parametrize("route", HARMLESS, ids=str)
async def test_a_hub_speaking_for_its_connected_client_or_a_caller_naming_itself_passes(
    world: World, route: Route
) -> None:
    before = await world.shared.written()
    answers = await asyncio.gather(
        *(
            call(world, route, auth(str(world.callers[role].token_c)) | headers)
            for role, headers in SPEAKING_FOR_ITS_OWN.values()
        )
    )
    for (who, (role, sent)), response in zip(SPEAKING_FOR_ITS_OWN.items(), answers, strict=True):
        assert response.status_code != 401, (who, response.text)
        party = sent.get("OCPI-from-party-id", world.callers[role].party_id).upper()
        if "OCPI-to-party-id" in response.headers:  # functional modules answer whom it named
            assert response.headers["OCPI-to-party-id"] == party, who
    assert await world.shared.written() == before


@pytest.mark.parametrize("route", HARMLESS, ids=str)
async def test_each_route_refuses_the_roles_it_does_not_serve_as_documented(
    world: World, route: Route
) -> None:
    before = await world.shared.written()
    roles = list(world.callers)
    answers = await asyncio.gather(
        *(call(world, route, auth(str(world.callers[r].token_c))) for r in roles)
    )
    refusals = [why for r in REFUSED.values() for _, why in r.values()]
    for role, response in zip(roles, answers, strict=True):
        refusal = REFUSED.get((route.module, route.role), {}).get(role)
        body = response.json()
        if refusal is None:  # served (the body `{}` is refused later, for what it is)
            assert response.status_code not in (401, 403), (role, response.text)
            assert not any(why in body["status_message"] for why in refusals), role
        else:
            assert (response.status_code, body["status_code"]) == (refusal[0], 2000), role
            assert (refusal[1] in body["status_message"], "data" in body) == (True, False), role
    assert await world.shared.written() == before


async def test_a_cpo_pushing_a_valid_token_under_its_own_party_is_refused(world: World) -> None:
    """Tokens are eMSP-owned: a CPO's platform would otherwise make itself an eMSP at our
    stations (ADR 0024). Refused before the body is read, nothing stored."""
    before = await world.shared.written()
    cpo = world.callers["CPO"]
    token = await cpo.put_token(cpo.token("ROLE-GAP"))
    assert (token.status_code, token.json()["status_code"]) == (403, 2000), token.text
    assert "registered as CPO" in token.json()["status_message"]
    assert await world.shared.written() == before


async def test_token_a_before_the_handshake_still_opens_functional_modules(world: World) -> None:
    """Documents current behaviour (README "Token A keeps its out-of-band meaning"): OCPI
    2.2.1 section 1.2 wants HTTP 401 for token A on any module but versions and credentials."""
    http = world.shared.roaming.http
    body = {"name": "DE*NEW", "country_code": "DE", "party_id": "NEW", "role": "EMSP"}
    token_a = (await http.post("/admin/partners", headers=ADMIN, json=body)).json()["token"]
    await world.shared.roaming.recognised(token_a)
    for module in ("cdrs", "sessions"):
        listed = await http.get(world.published[(module, "SENDER")], headers=auth(token_a))
        assert (listed.status_code, listed.json()["status_code"]) == (200, 1000), module
