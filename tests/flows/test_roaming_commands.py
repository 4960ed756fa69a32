"""A partner eMSP starts and stops a charging session at one of our stations with OCPI
commands (issue: roaming, deliverable 2; OCPI 2.2.1 section 13): START_SESSION with an app
token we never saw reaches the real OCPP 1.6 station as RemoteStartTransaction, the
CommandResult reaches the eMSP's response_url, the token is accepted without asking the eMSP
(auth_method COMMAND, the eMSP's authorization_reference), STOP_SESSION stops the
transaction, and the session and CDR the eMSP receives say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.stack import Stack
from evroam_testing.station import Reading, SimulatedStation16

pytestmark = pytest.mark.flow
START = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


async def command(emsp: OcpiPartner, name: str, **body: Any) -> tuple[dict[str, Any], str]:
    url, uid = emsp.response_url(name)
    endpoint = emsp.our_endpoints[("commands", "RECEIVER")] + name
    answer = (await emsp.request("POST", endpoint, json={"response_url": url, **body})).json()
    return answer, uid


async def test_an_emsp_starts_and_stops_a_session_with_commands(
    platform: Platform, stack: Stack
) -> None:
    sc = scenario.Scenario.new()
    token_a = await scenario.provision(platform, sc)
    uid, reference = f"APP{sc.suffix}", f"EMSP-REF-{sc.suffix}"
    evse_uid = f"EVSE-{sc.suffix}-1"
    async with OcpiPartner(sc.emsp_country_code, sc.emsp_party_id) as emsp:
        await emsp.register(stack.ocpi_versions_url, token_a)
        served = emsp.our_endpoints[("locations", "SENDER")] + sc.location_id

        async def location_served() -> bool:
            return (await emsp.request("GET", served)).json()["status_code"] == 1000

        await platform.eventually("location served over OCPI", "roaming", location_served)
        async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
            assert await cs.boot() == "Accepted"
            token = emsp.token(uid, "APP_USER", contract_id=sc.contract_id, whitelist="NEVER")
            answer, start_uid = await command(
                emsp,
                "START_SESSION",
                token=token,
                location_id=sc.location_id,
                evse_uid=evse_uid,
                authorization_reference=reference,
            )
            assert answer["data"]["result"] == "ACCEPTED"
            remote = await platform.eventually(
                "RemoteStartTransaction at the station",
                "gateway",
                lambda: _received(cs, "RemoteStartTransaction"),
            )
            result = await platform.eventually(
                "CommandResult at the response_url",
                "roaming",
                lambda: _result(emsp, start_uid),
            )
            # The driver plugs in once the authorization service holds the eMSP's grant.
            await platform.eventually(
                "grant known",
                "authorization",
                lambda: platform.found("authorization", "/remote-start-grants", uid=uid),
            )
            tx, status = await cs.start_transaction(1, uid, 1000, START)
            await cs.status(1, "Charging", START)
            at = START + timedelta(minutes=30)
            await cs.meter_values(1, tx, [Reading(at, 5000, 8000)])
            session = await _active_session(platform, sc)
            # STOP_SESSION names a session the eMSP knows: the one we pushed to it.
            await platform.eventually(
                "session pushed", "roaming", lambda: _value(emsp.sessions.get(session["id"]))
            )
            answer, stop_uid = await command(emsp, "STOP_SESSION", session_id=session["id"])
            assert answer["data"]["result"] == "ACCEPTED"
            stop = await platform.eventually(
                "RemoteStopTransaction at the station",
                "gateway",
                lambda: _received(cs, "RemoteStopTransaction"),
            )
            await cs.stop_transaction(tx, 5000, at)
            await cs.status(1, "Available", at)
            stopped = await platform.eventually(
                "stop CommandResult", "roaming", lambda: _result(emsp, stop_uid)
            )
        cdr = await scenario.cdr_of(platform, session["id"])
        pushed = await platform.eventually(
            "CDR pushed", "roaming", lambda: _value(emsp.cdrs.get(cdr["id"]))
        )

    assert remote == {"idTag": uid, "connectorId": 1}
    assert result["result"] == {
        "result": "ACCEPTED",
        "message": [{"language": "en", "text": "the station accepted RemoteStartTransaction"}],
    }
    assert status == "Accepted"
    assert stop == {"transactionId": tx}
    assert stopped["result"]["result"] == "ACCEPTED"
    # The session and CDR carry the eMSP's authorization, by command.
    assert (pushed["auth_method"], pushed["authorization_reference"]) == ("COMMAND", reference)
    assert pushed["cdr_token"]["uid"] == uid
    assert pushed["cdr_token"]["type"] == "APP_USER"
    assert pushed["total_energy"] == 4.0
    their_session = emsp.sessions[session["id"]]
    assert (their_session["auth_method"], their_session["status"]) == ("COMMAND", "COMPLETED")
    # The eMSP was never asked in real time: it had decided already.
    assert emsp.authorize_calls == []


async def _received(cs: SimulatedStation16, action: str) -> dict[str, Any] | None:
    return next((p for a, p in cs.received if a == action), None)


async def _result(emsp: OcpiPartner, uid: str) -> dict[str, Any] | None:
    return emsp.command_results.get(uid)


async def _value(found: dict[str, Any] | None) -> dict[str, Any] | None:
    return found


async def _active_session(platform: Platform, sc: scenario.Scenario) -> dict[str, Any]:
    sessions = await platform.eventually(
        "session active",
        "session",
        lambda: platform.found("session", "/sessions", station_id=sc.station_id, status="ACTIVE"),
    )
    return dict(sessions[0])
