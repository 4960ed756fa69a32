"""Objects we do not hold, and objects sent again or late, at every route the service
publishes (OCPI 2.2.1 sections 1.3, 1.7, 1.10, 3.1-3.5), on the real app over real HTTP and
real PostgreSQL: an unknown object gets HTTP 404 with the module's status code (2003 for
Locations, 2004 for Tokens, 2000 where the spec has none), a change older than what we hold
or the same object again changes nothing, and a CDR is never replaced.

Inconsistent between modules (pinned, not changed): the Commands Receiver answers an unknown
session or reservation with HTTP 200 + OCPI 1000 and a CommandResponse saying so, an unknown
location with HTTP 200 + 2003, and records each of them; real-time authorization records its
answer to an unknown token too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from isolation_world import T1, World, build_world

from evroam_contracts.ids import new_id

OLDER, NEWER = "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z"


@pytest.fixture(scope="module")
async def world(module_roaming: Any) -> World:
    return await build_world(module_roaming)


TOKENS, EMSP_TOKENS = ("tokens", "RECEIVER"), ("tokens", "SENDER")
COMMANDS, RESULTS = ("commands", "RECEIVER"), ("commands", "SENDER")
LOCATIONS, SESSIONS = ("locations", "RECEIVER"), ("sessions", "RECEIVER")
CDRS, TARIFFS = ("cdrs", "RECEIVER"), ("tariffs", "RECEIVER")
CPO_LOCATIONS, HUB = ("locations", "SENDER"), ("hubclientinfo", "RECEIVER")
Body = Callable[[World], Any]


@dataclass(frozen=True)
class Call:
    caller: str
    module: tuple[str, str]
    method: str
    below: str
    answer: tuple[int, int]  # HTTP status, OCPI status_code
    body: Body | None = None
    result: str | None = None  # a CommandResponse's result, for the Commands Receiver
    records: tuple[str, ...] = field(default=())  # the events it appends, in order

    def __str__(self) -> str:
        return f"{self.method} {self.module[0]}:{self.module[1]}/{self.below}"


def _p(build: str, *args: Any, **kw: Any) -> Body:
    return lambda w: getattr(w.partners["P"], build)(*args, **kw)


def _command(name: str, **fields: Any) -> Body:
    return lambda w: {"response_url": w.partners["X"].response_url(name)[0], **fields}


PATCH, ACCEPTED = {"last_updated": NEWER}, {"result": "ACCEPTED"}
RECEIVED = ("roaming.command_received",)
UNKNOWN = [
    # As CPO. Our locations (section 3.1): 2003, whichever level is unknown.
    *[Call("X", CPO_LOCATIONS, "GET", below, (404, 2003))
      for below in ("NOPE", "NOPE/E1", "NOPE/E1/1", "LOC1/NOPE", "LOC1/NOPE/1")],
    # The Tokens Receiver: 2004; the type is part of the key.
    Call("X", TOKENS, "GET", "DE/EMX/NOPE", (404, 2004)),
    Call("X", TOKENS, "GET", "DE/EMX/TX1?type=APP_USER", (404, 2004)),
    Call("X", TOKENS, "PATCH", "DE/EMX/NOPE", (404, 2004), lambda w: {"valid": False, **PATCH}),
    # The Commands Receiver (section 13.1): a CommandResponse, each command recorded.
    Call("X", COMMANDS, "POST", "SELF_DESTRUCT", (404, 2000), lambda w: {}),
    Call("X", COMMANDS, "POST", "STOP_SESSION", (200, 1000),
         _command("STOP_SESSION", session_id="NOPE"), "UNKNOWN_SESSION", RECEIVED),
    Call("X", COMMANDS, "POST", "CANCEL_RESERVATION", (200, 1000),
         _command("CANCEL_RESERVATION", reservation_id="NOPE"), "REJECTED", RECEIVED),
    Call("X", COMMANDS, "POST", "START_SESSION", (200, 2003),
         lambda w: _command("START_SESSION", location_id="NOWHERE",
                            token=w.partners["X"].token("TX1"))(w), "REJECTED", RECEIVED),
    Call("X", COMMANDS, "POST", "UNLOCK_CONNECTOR", (200, 2003),
         _command("UNLOCK_CONNECTOR", location_id="NOWHERE", evse_uid="E", connector_id="1"),
         "REJECTED", RECEIVED),
    # As eMSP. Real-time authorization (section 6.1): 2004, and the answer is recorded.
    Call("P", EMSP_TOKENS, "POST", "NOPE/authorize", (404, 2004),
         records=("roaming.realtime_authorization_answered",)),
    # Our response_urls: an unknown uid, or a known one under another command type.
    Call("P", RESULTS, "POST", f"STOP_SESSION/{new_id()}", (404, 2000), lambda w: ACCEPTED),
    Call("P", RESULTS, "POST", "START_SESSION/{command}", (404, 2000), lambda w: ACCEPTED),
    # The Receivers of the CPOs' objects: 2003 for Locations, 2000 for the others.
    *[Call("P", LOCATIONS, method, below, (404, 2003), None if method == "GET" else lambda w: PATCH)
      for method in ("GET", "PATCH")
      for below in ("BE/CPP/NOPE", "BE/CPP/NOPE/E1", "BE/CPP/NOPE/E1/1", "BE/CPP/L-P/NOPE",
                    "BE/CPP/L-P/E1/NOPE")],
    Call("P", LOCATIONS, "PUT", "BE/CPP/NOPE/E1", (404, 2003), _p("evse_object", "E1")),
    Call("P", LOCATIONS, "PUT", "BE/CPP/NOPE/E1/1", (404, 2003), _p("connector_object", "1")),
    Call("P", LOCATIONS, "PUT", "BE/CPP/L-P/NOPE/1", (404, 2003), _p("connector_object", "1")),
    Call("P", SESSIONS, "GET", "BE/CPP/NOPE", (404, 2000)),
    Call("P", SESSIONS, "PATCH", "BE/CPP/NOPE", (404, 2000), lambda w: PATCH),
    Call("P", CDRS, "GET", "BE/CPP/NOPE", (404, 2000)),
    Call("P", TARIFFS, "GET", "BE/CPP/NOPE", (404, 2000)),
    Call("P", TARIFFS, "DELETE", "BE/CPP/NOPE", (404, 2000)),
    Call("H", HUB, "GET", "FR/NOPE", (404, 2000)),
]  # fmt: skip
NO_SINGLE_OBJECT = {  # nothing to be unknown: our own credentials, and lists only
    ("credentials", "SENDER"), ("cdrs", "SENDER"), ("sessions", "SENDER"), ("tariffs", "SENDER"),
}  # fmt: skip


async def appended(w: World, before: dict[str, str], position: int) -> list[str]:
    """The events appended since `position`; every other table must be as it was."""
    after = await w.shared.written()
    assert {t: d for t, d in after.items() if t != "events"} == {
        t: d for t, d in before.items() if t != "events"
    }
    async with w.shared.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT type FROM events WHERE position > %s ORDER BY position", (position,)
        )
        return [t for (t,) in await cur.fetchall()]


async def last_position(w: World) -> int:
    async with w.shared.pool.connection() as conn:
        row = await (await conn.execute("SELECT coalesce(max(position), 0) FROM events")).fetchone()
    assert row is not None
    return int(row[0])


async def send(w: World, call: Call) -> httpx.Response:
    body = None if call.body is None else call.body(w)
    return await w.call(call.caller, call.module, call.method, call.below, json=body)


def test_every_published_route_that_reads_or_changes_one_object_is_in_the_table(
    world: World,
) -> None:
    assert {c.module for c in UNKNOWN} | NO_SINGLE_OBJECT == set(world.published)


@pytest.mark.parametrize("call", UNKNOWN, ids=str)
async def test_an_object_we_do_not_hold_gets_the_modules_unknown_answer(
    world: World, call: Call
) -> None:
    before, position = await world.shared.written(), await last_position(world)
    answer = await send(world, call)
    body = answer.json()
    assert (answer.status_code, body["status_code"]) == call.answer, answer.text
    if call.result is None:
        assert "data" not in body
    else:
        assert body["data"]["result"] == call.result
    assert await appended(world, before, position) == list(call.records)


REPLAYS = [  # a change older than what we hold, or the same object again: (name, call, message)
    ("an older Token", Call("X", TOKENS, "PUT", "DE/EMX/TX1", (200, 1000),
     lambda w: w.partners["X"].token("TX1", last_updated=OLDER)),
     "Ignored: the token we hold has a newer last_updated"),
    ("the same Token", Call("X", TOKENS, "PUT", "DE/EMX/TX1", (200, 1000),
     lambda w: w.partners["X"].token("TX1", last_updated=T1)), "Token unchanged"),
    ("an older Token PATCH", Call("X", TOKENS, "PATCH", "DE/EMX/TX1", (200, 1000),
     lambda w: {"valid": False, "last_updated": OLDER}), "Ignored: the token we hold"),
    ("an older Location", Call("P", LOCATIONS, "PUT", "BE/CPP/L-P", (200, 1000),
     _p("location_object", "L-P", "E1", last_updated=OLDER)), "Ignored: the Location we hold"),
    ("the same Location", Call("P", LOCATIONS, "PUT", "BE/CPP/L-P", (200, 1000),
     _p("location_object", "L-P", "E1", last_updated=T1)), "Location unchanged"),
    ("an older EVSE", Call("P", LOCATIONS, "PUT", "BE/CPP/L-P/E1", (200, 1000),
     _p("evse_object", "E1", "REMOVED", last_updated=OLDER)), "Ignored: the EVSE we hold"),
    ("an older Connector", Call("P", LOCATIONS, "PUT", "BE/CPP/L-P/E1/1", (200, 1000),
     _p("connector_object", "1", last_updated=OLDER, max_amperage=16)),
     "Ignored: the Connector we hold"),
    ("an older Location PATCH", Call("P", LOCATIONS, "PATCH", "BE/CPP/L-P", (200, 1000),
     lambda w: {"name": "Old", "last_updated": OLDER}), "Ignored: the Location we hold"),
    ("an older EVSE PATCH", Call("P", LOCATIONS, "PATCH", "BE/CPP/L-P/E1", (200, 1000),
     lambda w: {"status": "REMOVED", "last_updated": OLDER}), "Ignored: the EVSE we hold"),
    ("an older Session", Call("P", SESSIONS, "PUT", "BE/CPP/S-P", (200, 1000),
     _p("session_object", "S-P", status="COMPLETED", last_updated=OLDER)),
     "Ignored: the Session we hold"),
    ("the same Session", Call("P", SESSIONS, "PUT", "BE/CPP/S-P", (200, 1000),
     _p("session_object", "S-P", last_updated=T1)), "Session unchanged"),
    ("an older Session PATCH", Call("P", SESSIONS, "PATCH", "BE/CPP/S-P", (200, 1000),
     lambda w: {"status": "COMPLETED", "last_updated": OLDER}), "Ignored: the Session we hold"),
    ("an older Tariff", Call("P", TARIFFS, "PUT", "BE/CPP/T-P", (200, 1000),
     _p("tariff_object", "T-P", last_updated=OLDER, currency="USD")),
     "Ignored: the Tariff we hold"),
    ("the same Tariff", Call("P", TARIFFS, "PUT", "BE/CPP/T-P", (200, 1000),
     _p("tariff_object", "T-P", last_updated=T1)), "Tariff unchanged"),
    # A retried POST of a CDR is answered as the first one; another CDR under its id is 409.
    ("the same CDR", Call("P", CDRS, "POST", "", (200, 1000), _p("cdr_object", "C-P")),
     "CDR unchanged"),
    ("another CDR under a held id", Call("P", CDRS, "POST", "", (409, 2000),
     _p("cdr_object", "C-P", total_energy=99)), "a CDR never changes"),
    # Pinned: an older ClientInfo is ignored without the answer saying so.
    ("an older ClientInfo", Call("H", HUB, "PUT", "FR/HCL", (200, 1000),
     lambda w: {"country_code": "FR", "party_id": "HCL", "role": "EMSP", "status": "SUSPENDED",
                "last_updated": OLDER}), "Success"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "message"), REPLAYS, ids=[r[0] for r in REPLAYS])
async def test_a_late_or_repeated_change_is_answered_and_changes_nothing(
    world: World, name: str, call: Call, message: str
) -> None:
    before = await world.shared.written()
    answer = await send(world, call)
    assert (answer.status_code, answer.json()["status_code"]) == call.answer, answer.text
    assert message in answer.json()["status_message"]
    assert await world.shared.written() == before


async def test_a_deleted_tariff_is_not_brought_back_by_an_older_put(world: World) -> None:
    p = world.partners["P"]
    assert (await p.put_tariff(p.tariff_object("T-DEL", last_updated=T1))).status_code == 201
    assert (await p.delete_tariff("T-DEL")).json()["status_message"] == "Tariff deleted"
    late = await p.put_tariff(p.tariff_object("T-DEL", last_updated=OLDER))
    assert late.json()["status_message"] == "Ignored: the Tariff we hold has a newer last_updated"
    gone = await p.get_tariff("T-DEL")
    assert (gone.status_code, gone.json()["status_code"]) == (404, 2000)


async def test_a_command_result_posted_twice_is_recorded_twice(world: World) -> None:
    """Pinned: the latest CommandResult wins (a RESERVE_NOW may end CANCELED_RESERVATION
    later), so the same result again is another event, unlike a CDR."""
    position = await last_position(world)
    result = Call("P", RESULTS, "POST", "STOP_SESSION/{command}", (200, 1000),
                  lambda w: {"result": "ACCEPTED"})  # fmt: skip
    for _ in range(2):
        answer = await send(world, result)
        assert (answer.status_code, answer.json()["status_code"]) == (200, 1000), answer.text
    async with world.shared.pool.connection() as conn:
        cur = await conn.execute("SELECT type FROM events WHERE position > %s", (position,))
        types = [t for (t,) in await cur.fetchall()]
    assert types == ["roaming.command_result_received"] * 2
