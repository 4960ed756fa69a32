"""Bad input at every route the service publishes that takes a body or a query (OCPI 2.2.1
sections 1.3, 1.7, 1.8), on the real app over real HTTP and real PostgreSQL: a body that is
not JSON, not an object, lacks a required field or has one of the wrong type, a bad page or
type parameter: OCPI 2001 naming what is wrong, and nothing written. An oversized body never
reaches the OCPI layer: HTTP 413 naming the limit, and nothing written.

Every module alike: JSON that is not a valid object is HTTP 200 + 2001 (it reached the OCPI
layer, section 1.7); a body that is not JSON at all is HTTP 400 + 2001."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from isolation_world import T1, World, build_world

NEWER = "2030-01-01T00:00:00Z"
OVERSIZED = 4 * 1024 * 1024  # bytes of padding: over the 1 MiB body limit of every service


@pytest.fixture(scope="module")
async def world(module_roaming: Any) -> World:
    return await build_world(module_roaming)


CREDENTIALS, HUB = ("credentials", "SENDER"), ("hubclientinfo", "RECEIVER")
TOKENS, EMSP_TOKENS = ("tokens", "RECEIVER"), ("tokens", "SENDER")
COMMANDS, RESULTS = ("commands", "RECEIVER"), ("commands", "SENDER")
LOCATIONS, SESSIONS = ("locations", "RECEIVER"), ("sessions", "RECEIVER")
CDRS, TARIFFS = ("cdrs", "RECEIVER"), ("tariffs", "RECEIVER")
Valid = Callable[[World], dict[str, Any]]


def _credentials(w: World) -> dict[str, Any]:
    role = {"role": "EMSP", "business_details": {"name": "X"}, "party_id": "EMX",
            "country_code": "DE"}  # fmt: skip
    return {"token": "a-new-token-b", "url": "https://x.example/versions", "roles": [role]}


def _start(w: World) -> dict[str, Any]:
    url = w.partners["X"].response_url("START_SESSION")[0]
    return {"response_url": url, "token": w.partners["X"].token("TX1"), "location_id": "LOC1"}


@dataclass(frozen=True)
class Taker:
    """A route that takes a body: a valid body for it, a required field, a field and a value
    of the wrong type for it, and the HTTP status its 2001 for an invalid object comes with."""

    module: tuple[str, str]
    method: str
    below: str
    caller: str
    valid: Valid
    required: str
    wrong: tuple[str, Any]
    invalid_http: int

    def __str__(self) -> str:
        return f"{self.method} {self.module[0]}:{self.module[1]}/{self.below}"


def _p(build: str, *args: Any, **kw: Any) -> Valid:
    return lambda w: getattr(w.partners["P"], build)(*args, **kw)


def _is(body: dict[str, Any]) -> Valid:
    return lambda w: body


def _x(build: str, *args: Any, **kw: Any) -> Valid:
    return lambda w: getattr(w.partners["X"], build)(*args, **kw)


NEW = {"last_updated": NEWER}
CLIENT = {"country_code": "FR", "party_id": "HCL", "role": "EMSP", "status": "OFFLINE", **NEW}
TAKERS = [
    Taker(CREDENTIALS, "POST", "", "X", _credentials, "url", ("roles", "EMSP"), 200),
    Taker(CREDENTIALS, "PUT", "", "X", _credentials, "token", ("token", 5), 200),
    Taker(TOKENS, "PUT", "DE/EMX/TX1", "X", _x("token", "TX1", last_updated=NEWER),
          "contract_id", ("valid", "yes"), 200),
    Taker(TOKENS, "PATCH", "DE/EMX/TX1", "X", _is({"valid": False, **NEW}),
          "last_updated", ("valid", "no"), 200),
    Taker(COMMANDS, "POST", "START_SESSION", "X", _start, "token", ("location_id", 5), 200),
    Taker(EMSP_TOKENS, "POST", "TX9/authorize", "P", _is({"location_id": "LOC1"}),
          "location_id", ("evse_uids", "3256"), 200),
    Taker(RESULTS, "POST", "STOP_SESSION/{command}", "P", _is({"result": "ACCEPTED"}),
          "result", ("message", "hello"), 200),
    Taker(LOCATIONS, "PUT", "BE/CPP/L-P", "P", _p("location_object", "L-P", "E1", **NEW),
          "address", ("publish", "yes"), 200),
    Taker(LOCATIONS, "PUT", "BE/CPP/L-P/E1", "P", _p("evse_object", "E1", **NEW),
          "status", ("connectors", {}), 200),
    Taker(LOCATIONS, "PUT", "BE/CPP/L-P/E1/1", "P", _p("connector_object", "1", **NEW),
          "standard", ("max_voltage", "230"), 200),
    Taker(LOCATIONS, "PATCH", "BE/CPP/L-P", "P", _is({"name": "N", **NEW}),
          "last_updated", ("publish", "yes"), 200),
    Taker(LOCATIONS, "PATCH", "BE/CPP/L-P/E1", "P", _is({"status": "BLOCKED", **NEW}),
          "last_updated", ("status", 5), 200),
    Taker(LOCATIONS, "PATCH", "BE/CPP/L-P/E1/1", "P", _is({"max_amperage": 16, **NEW}),
          "last_updated", ("max_amperage", "16"), 200),
    Taker(SESSIONS, "PUT", "BE/CPP/S-P", "P", _p("session_object", "S-P", **NEW),
          "kwh", ("kwh", "12"), 200),
    Taker(SESSIONS, "PATCH", "BE/CPP/S-P", "P", _is({"kwh": 12, **NEW}),
          "last_updated", ("kwh", "12"), 200),
    Taker(CDRS, "POST", "", "P", _p("cdr_object", "C-NEW"),
          "total_cost", ("total_energy", "12.5"), 200),
    Taker(TARIFFS, "PUT", "BE/CPP/T-P", "P", _p("tariff_object", "T-P", **NEW),
          "elements", ("currency", 5), 200),
    Taker(HUB, "PUT", "FR/HCL", "H", _is(CLIENT), "status", ("last_updated", "never"), 200),
]  # fmt: skip
BODYLESS = {
    ("cdrs", "SENDER"),
    ("locations", "SENDER"),
    ("sessions", "SENDER"),
    ("tariffs", "SENDER"),
}


def test_every_published_route_that_takes_a_body_is_in_the_table(world: World) -> None:
    assert {t.module for t in TAKERS} | BODYLESS == set(world.published)


def _bad_bodies(t: Taker, w: World) -> dict[str, tuple[bytes, int, str]]:
    """case -> (the body, the HTTP status of its 2001, what the status_message must name)."""
    valid = t.valid(w)
    field, value = t.wrong
    missing = {k: v for k, v in valid.items() if k != t.required}
    return {
        "not JSON": (b'{"valid": tru', 400, "not JSON"),
        "not an object": (b"[]", t.invalid_http, ""),
        "a required field missing": (_json(missing), t.invalid_http, t.required),
        "a field of the wrong type": (_json({**valid, field: value}), t.invalid_http, field),
    }


def _json(data: Any) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize("taker", TAKERS, ids=str)
async def test_a_malformed_body_gets_2001_naming_what_is_wrong_and_writes_nothing(
    world: World, taker: Taker
) -> None:
    before = await world.shared.written()
    cases = _bad_bodies(taker, world)
    answers = await asyncio.gather(
        *(world.call(taker.caller, taker.module, taker.method, taker.below, content=body)
          for body, _, _ in cases.values())
    )  # fmt: skip
    for (case, (_, http, names)), answer in zip(cases.items(), answers, strict=True):
        assert (answer.status_code, answer.json()["status_code"]) == (http, 2001), case
        assert names in answer.json()["status_message"], (case, answer.json()["status_message"])
    assert await world.shared.written() == before


async def test_an_oversized_body_gets_413_naming_the_limit_and_writes_nothing(
    world: World,
) -> None:
    """The runtime's body limit (EVROAM_ROAMING_HTTP_MAX_BODY_BYTES, 1 MiB): a valid Token
    with megabytes of unknown fields is refused before it is parsed."""
    before = await world.shared.written()
    x = world.partners["X"]
    token = x.token("BIG", last_updated=T1) | {"padding": "x" * OVERSIZED}
    answer = await world.call("X", TOKENS, "PUT", "DE/EMX/BIG", content=_json(token))
    assert (answer.status_code, answer.json()["limit_bytes"]) == (413, 1024 * 1024), answer.text
    assert await world.shared.written() == before


LISTS = [("cdrs", "X"), ("locations", "X"), ("sessions", "X"), ("tariffs", "X"), ("tokens", "P")]
BAD_PAGES = [
    ("offset", "-1"), ("offset", "abc"), ("limit", "0"), ("limit", "-5"), ("limit", "1.5"),
    ("limit", "99999999999999999999"), ("date_from", "yesterday"),
    ("date_to", "2024-13-01T00:00:00Z"), ("date_from", "2024-05-01 10:00"),
]  # fmt: skip


def test_every_published_list_is_in_the_table(world: World) -> None:
    senders = {k for k in world.published if k[1] == "SENDER" and k[0] not in ("credentials",)}
    # Our commands SENDER is the response_urls of our commands: no list.
    assert {(m, "SENDER") for m, _ in LISTS} | {("commands", "SENDER")} == senders


@pytest.mark.parametrize(("module", "caller"), LISTS)
async def test_a_bad_page_parameter_gets_2001_naming_it(
    world: World, module: str, caller: str
) -> None:
    before = await world.shared.written()
    answers = await asyncio.gather(
        *(world.call(caller, (module, "SENDER"), "GET", "", params={n: v}) for n, v in BAD_PAGES)
    )
    for (name, value), answer in zip(BAD_PAGES, answers, strict=True):
        # Section 1.7: the request reached the OCPI layer, so HTTP 200 and 2001 in the envelope.
        assert (answer.status_code, answer.json()["status_code"]) == (200, 2001), (name, value)
        assert name in answer.json()["status_message"], (name, value)
        assert answer.headers["OCPI-to-party-id"] == world.partners[caller].party_id
    assert await world.shared.written() == before


TYPED = [  # routes with a token `type` query parameter
    ("X", TOKENS, "GET", "DE/EMX/TX1", None),
    ("X", TOKENS, "PUT", "DE/EMX/TX1", lambda w: w.partners["X"].token("TX1", "CARD")),
    ("X", TOKENS, "PATCH", "DE/EMX/TX1", lambda w: {"valid": False, "last_updated": NEWER}),
    ("P", EMSP_TOKENS, "POST", "TX1/authorize", None),
]


@pytest.mark.parametrize(("caller", "module", "method", "below", "body"), TYPED,
                         ids=[f"{t[2]} {t[1][0]}:{t[1][1]}" for t in TYPED])  # fmt: skip
async def test_an_unknown_token_type_gets_2001(
    world: World, caller: str, module: tuple[str, str], method: str, below: str, body: Any
) -> None:
    before = await world.shared.written()
    kw = {} if body is None else {"content": _json(body(world))}
    answer = await world.call(caller, module, method, below, params={"type": "CARD"}, **kw)
    assert (answer.status_code, answer.json()["status_code"]) == (200, 2001), answer.text
    assert answer.json()["status_message"].startswith("type must be one of")
    assert await world.shared.written() == before


async def test_a_client_info_takes_a_last_updated_that_is_no_ocpi_datetime(world: World) -> None:
    """Documents current behaviour (inconsistent with every other module, whose DateTimes
    must be OCPI DateTime strings, section 1.9): ClientInfo.last_updated is any datetime
    pydantic reads, a Unix time among them."""
    info = {**CLIENT, "country_code": "FR", "party_id": "UNX", "last_updated": 1767225600}
    answer = await world.call("H", HUB, "PUT", "FR/UNX", json=info)
    assert (answer.status_code, answer.json()["status_code"]) == (200, 1000), answer.text


async def test_the_valid_bodies_the_table_spoils_are_taken(world: World) -> None:
    """The control of the malformed-body table (last: it writes): each valid body gets past
    validation, so each 2001 above is the spoiled field's. Credentials are left out: a valid
    body would start a handshake (section 2.4) with a platform that does not exist."""
    for taker in TAKERS:
        if taker.module == CREDENTIALS:
            continue
        body = _json(taker.valid(world))
        answer = await world.call(
            taker.caller, taker.module, taker.method, taker.below, content=body
        )
        assert answer.status_code < 500, (str(taker), answer.text)
        assert answer.json()["status_code"] in (1000, 2003, 2004), (str(taker), answer.text)
