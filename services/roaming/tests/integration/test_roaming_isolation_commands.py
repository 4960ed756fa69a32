"""Commands an eMSP sends us as CPO (OCPI 2.2.1 sections 3.6 and 6.2) reach only what is its
own, on the real app over real HTTP, real PostgreSQL and the real broker: another eMSP's
session, reservation or token is answered as one that does not exist, and nothing goes to a
station. The CommandResults of the commands we send: test_roaming_isolation.py."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from evroam_contracts.gateway import Connector, Evse, LocationRegistered, StationRegistered
from evroam_contracts.shared import GeoLocation
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.session_events import started

AT = "2024-05-01T08:00:00Z"
EXPIRY = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class World:
    shared: Any  # conftest ModuleRoaming
    partners: dict[str, OcpiPartner]  # X, Y (eMSPs), H (hub, CONNECTED client FR*HCL)
    commands_url: str

    async def send(self, who: str, command: str, body: dict[str, Any]) -> httpx.Response:
        """`H>HCL`: the hub speaking for its client FR*HCL (section 1.5)."""
        partner = self.partners[who.split(">", maxsplit=1)[0]]
        token = base64.b64encode(str(partner.token_c).encode()).decode()
        headers = {"Authorization": f"Token {token}"}
        if who == "H>HCL":
            headers |= {"OCPI-from-country-code": "FR", "OCPI-from-party-id": "HCL"}
        return await partner.http.post(self.commands_url + command, json=body, headers=headers)


async def site(shared: Any) -> None:
    """LOC1, station CS1: EVSE 3256 (connectors 1, 2) and 3257 (connector 1); sessions S-X and
    S-Y of X's and Y's drivers running at 3256 connector 1 (the station's transaction T1)."""
    location = LocationRegistered(
        location_id="LOC1", address="F.Rooseveltlaan 3A", city="Gent", country="BEL",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        time_zone="Europe/Brussels", country_code="BE", party_id="BEC",
    )  # fmt: skip
    await shared.feed(location, "location-LOC1", AT)
    evses = tuple(
        Evse(evse_uid=uid, evse_id=f"BE*BEC*E{uid}",
             connectors=tuple(Connector(connector_id=c, ocpp_connector_id=n) for c, n in cs))
        for uid, cs in (("3256", (("1", 1), ("2", 2))), ("3257", (("1", 3),)))
    )  # fmt: skip
    station = StationRegistered(station_id="CS1", location_id="LOC1", evses=evses)
    await shared.feed(station, "station-CS1", AT)
    for suffix, owner in (("X", ("DE", "EMX")), ("Y", ("DE", "EMY"))):
        await shared.feed(started(f"S-{suffix}", owner=owner), f"session-S-{suffix}", AT)


def reserve(
    w: World, who: str, token: dict[str, Any], reservation_id: str = "R-1"
) -> dict[str, Any]:
    return {"response_url": w.partners[who[0]].response_url("RESERVE_NOW")[0], "token": token,
            "expiry_date": EXPIRY, "reservation_id": reservation_id, "location_id": "LOC1",
            "evse_uid": "3257"}  # fmt: skip


@pytest.fixture(scope="module")
async def world(module_roaming: Any) -> World:
    partners = {}
    for key, cc, pid, role in (("X", "DE", "EMX", "EMSP"), ("Y", "DE", "EMY", "EMSP"),
                               ("H", "NL", "HUB", "HUB")):  # fmt: skip
        partners[key], _, _ = await module_roaming.connect(cc, pid, role)
    hub = partners["H"]
    info = {"country_code": "FR", "party_id": "HCL", "role": "EMSP", "status": "CONNECTED",
            "last_updated": AT}  # fmt: skip
    put = await hub.request("PUT", f"{module_roaming.roaming.url}/ocpi/2.2.1/clientinfo/FR/HCL",
                            json=info)  # fmt: skip
    assert put.json()["status_code"] == 1000
    w = World(module_roaming, partners, partners["X"].our_endpoints[("commands", "RECEIVER")])
    await site(module_roaming)
    y = partners["Y"]
    reserved = await w.send("Y", "RESERVE_NOW", reserve(w, "Y", y.token("TY1")))
    assert reserved.json()["data"]["result"] == "ACCEPTED", reserved.text
    return w


def _stranger(token: dict[str, Any]) -> dict[str, Any]:
    return {**token, "country_code": "FR", "party_id": "ZZZ"}  # a party nobody knows


@dataclass(frozen=True)
class Case:
    """A command at Y's object (`held`), and at one that does not exist (`missing`)."""

    name: str
    command: str
    held: Callable[[World, str], dict[str, Any]]
    missing: Callable[[World, str], dict[str, Any]]
    result: str  # the CommandResponse's result for both, OCPI 1000
    message: str  # for both, `{}` standing for the id the command named


def _stop(w: World, who: str, session_id: str) -> dict[str, Any]:
    url = w.partners[who[0]].response_url("STOP_SESSION")[0]
    return {"response_url": url, "session_id": session_id}


def _cancel(w: World, who: str, reservation_id: str) -> dict[str, Any]:
    url = w.partners[who[0]].response_url("CANCEL_RESERVATION")[0]
    return {"response_url": url, "reservation_id": reservation_id}


def _start(w: World, who: str, token: dict[str, Any]) -> dict[str, Any]:
    url = w.partners[who[0]].response_url("START_SESSION")[0]
    return {"response_url": url, "token": token, "location_id": "LOC1", "evse_uid": "3257"}


def _y_token(w: World) -> dict[str, Any]:
    return w.partners["Y"].token("TY1")


NOT_ITS_TOKEN = "the token is not one of this eMSP's tokens"
CASES = [
    Case("stop Y's session", "STOP_SESSION", lambda w, c: _stop(w, c, "S-Y"),
         lambda w, c: _stop(w, c, "NOPE"), "UNKNOWN_SESSION", "no session {} of this eMSP"),
    Case("cancel Y's reservation", "CANCEL_RESERVATION", lambda w, c: _cancel(w, c, "R-1"),
         lambda w, c: _cancel(w, c, "R-NOPE"), "REJECTED", "no reservation {} of this eMSP"),
    Case("start with Y's token", "START_SESSION", lambda w, c: _start(w, c, _y_token(w)),
         lambda w, c: _start(w, c, _stranger(_y_token(w))), "REJECTED", NOT_ITS_TOKEN),
    Case("reserve with Y's token", "RESERVE_NOW", lambda w, c: reserve(w, c, _y_token(w), "R-2"),
         lambda w, c: reserve(w, c, _stranger(_y_token(w)), "R-2"), "REJECTED", NOT_ITS_TOKEN),
]  # fmt: skip


async def events_after(shared: Any, position: int) -> list[str]:
    async with shared.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT type FROM events WHERE position > %s ORDER BY position", (position,)
        )
        return [t for (t,) in await cur.fetchall()]


async def last_position(shared: Any) -> int:
    async with shared.pool.connection() as conn:
        row = await (await conn.execute("SELECT coalesce(max(position), 0) FROM events")).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("who", ["X", "H", "H>HCL"])
async def test_another_emsps_object_is_answered_as_one_that_does_not_exist(
    world: World, case: Case, who: str
) -> None:
    before, position = await world.shared.written(), await last_position(world.shared)
    held = await world.send(who, case.command, case.held(world, who))
    missing = await world.send(who, case.command, case.missing(world, who))
    for answer, named in ((held, case.held(world, who)), (missing, case.missing(world, who))):
        assert (answer.status_code, answer.json()["status_code"]) == (200, 1000), answer.text
        data = answer.json()["data"]
        assert data["result"] == case.result
        ids = named.get("session_id") or named.get("reservation_id")
        assert data["message"] == [{"language": "en", "text": case.message.format(ids)}]
    # Every command is on record, refusals too; nothing reached a station or a reservation.
    after = await world.shared.written()
    assert {t: d for t, d in after.items() if t != "events"} == {
        t: d for t, d in before.items() if t != "events"
    }
    assert await events_after(world.shared, position) == ["roaming.command_received"] * 2


async def test_the_same_reservation_id_is_each_emsps_own(world: World) -> None:
    x = world.partners["X"]
    taken = await world.send("X", "RESERVE_NOW", reserve(world, "X", x.token("TX1")))
    assert taken.json()["data"]["result"] == "ACCEPTED", taken.text
    async with world.shared.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT party_id, ocpp_reservation_id FROM ocpi_reservations"
            " WHERE reservation_id = 'R-1' ORDER BY party_id"
        )
        rows = await cur.fetchall()
    assert [p for p, _ in rows] == ["EMX", "EMY"]
    assert rows[0][1] != rows[1][1]  # X's RESERVE_NOW did not replace Y's reservation
    cancelled = await world.send("Y", "CANCEL_RESERVATION", _cancel(world, "Y", "R-1"))
    assert cancelled.json()["data"]["result"] == "ACCEPTED"


async def test_the_owner_of_a_session_may_stop_it(world: World) -> None:
    """The control of the first case: S-Y exists and is Y's to stop."""
    answer = await world.send("Y", "STOP_SESSION", _stop(world, "Y", "S-Y"))
    assert answer.json()["data"]["result"] == "ACCEPTED", answer.text


async def test_an_emsp_cannot_unlock_the_connector_of_another_emsps_running_session(
    world: World,
) -> None:
    body = {"response_url": world.partners["X"].response_url("UNLOCK_CONNECTOR")[0],
            "location_id": "LOC1", "evse_uid": "3256", "connector_id": "1"}  # fmt: skip
    async with world.shared.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM ocpi_commands")
        (commands_before,) = await cur.fetchone() or (0,)
    answer = await world.send("X", "UNLOCK_CONNECTOR", body)
    assert answer.json()["data"]["result"] != "ACCEPTED", answer.text
    async with world.shared.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM ocpi_commands")
        assert await cur.fetchone() == (commands_before,)
