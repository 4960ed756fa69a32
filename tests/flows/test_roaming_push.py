"""A partner eMSP's driver charges at one of our stations and the partner gets the CDR pushed
(issue: roaming, deliverable 4): the eMSP registers over OCPI, pushes its token, answers the
real-time authorization, its driver charges at a real OCPP 1.6 station, the session reaches
the eMSP's Sessions Receiver and the CDR its CDRs Receiver, the EVSE's status changes its
Locations Receiver, with our token B and routing headers; the same CDR and session can be
pulled, and the push shows DELIVERED with the eMSP's Location in the admin API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.stack import Stack
from evroam_testing.station import SimulatedStation16, play_session

pytestmark = pytest.mark.flow
START = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


async def test_the_emsp_gets_its_drivers_cdr_pushed_and_can_pull_it(
    platform: Platform, stack: Stack
) -> None:
    sc = scenario.Scenario.new()
    token_a = await scenario.provision(platform, sc)
    uid = f"PUSH{sc.suffix}"
    async with OcpiPartner(sc.emsp_country_code, sc.emsp_party_id) as emsp:
        await emsp.register(stack.ocpi_versions_url, token_a)
        token = emsp.token(uid, contract_id=sc.contract_id, whitelist="NEVER")
        assert (await emsp.put_token(token)).status_code in (200, 201)
        path = f"/tokens/{sc.emsp_country_code}/{sc.emsp_party_id}/{uid}"
        await platform.eventually(
            f"token {uid} known", "authorization", lambda: platform.found("authorization", path)
        )
        emsp.answer(uid, "ALLOWED", authorization_reference=f"EMSP-{sc.suffix}")
        async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
            assert await cs.boot() == "Accepted"
            run = await play_session(
                cs,
                id_tag=uid,
                connector_id=1,
                started_at=START,
                meter_start_wh=2000,
                energy_wh_per_step=(3000, 2500),
                step=timedelta(minutes=15),
            )
        assert run.start_status == "Accepted"
        session = await scenario.session_of(platform, sc, START)
        cdr = await scenario.cdr_of(platform, session["id"])

        async def pushed() -> dict[str, Any] | None:
            return emsp.cdrs.get(cdr["id"])

        received = await platform.eventually("CDR pushed to the eMSP", "roaming", pushed)

        async def completed() -> dict[str, Any] | None:
            got = emsp.sessions.get(session["id"])
            return got if got and got["status"] == "COMPLETED" else None

        their_session = await platform.eventually("session pushed", "roaming", completed)
        evse = f"{sc.location_id}/EVSE-{sc.suffix}-1"
        served = emsp.our_endpoints[("locations", "SENDER")] + f"/{evse}"

        async def told_as_served() -> list[str] | None:
            ours = (await emsp.request("GET", served)).json()["data"]["status"]
            seen = emsp.evse_statuses.get(evse, [])
            return seen if seen and seen[-1] == ours else None

        # The station went away after the session: OCPI asks for UNKNOWN then.
        statuses = await platform.eventually("EVSE status pushed", "roaming", told_as_served)
        pulled = await emsp.request("GET", emsp.our_endpoints[("cdrs", "SENDER")])

        async def session_pulled() -> dict[str, Any] | None:
            listed = await emsp.request(
                "GET",
                emsp.our_endpoints[("sessions", "SENDER")],
                params={"date_from": "2026-01-01T00:00:00Z"},
            )
            found = [s for s in listed.json().get("data") or [] if s["id"] == session["id"]]
            return found[0] if found else None

        pulled_session = await platform.eventually("session pulled", "roaming", session_pulled)

    assert received == cdr  # the very CDR, in OCPI form, exact numbers
    assert received["total_energy"] == 5.5
    assert received["auth_method"] == "AUTH_REQUEST"
    headers = emsp.cdr_pushes[-1]["headers"]
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == (
        sc.emsp_country_code,
        sc.emsp_party_id,
    )
    assert cdr["id"] in [c["id"] for c in pulled.json()["data"]]
    assert pulled_session == their_session  # the same session, pushed or pulled
    # The session too: PUT to {sessions}/NL/EVR/{id}, the newest state each time.
    assert their_session["kwh"] == received["total_energy"]
    assert their_session["cdr_token"]["uid"] == uid
    assert emsp.session_puts[-1]["path"].endswith(f"/sessions/NL/EVR/{session['id']}")
    # And the EVSE's status: the eMSP ends up told what we serve (newer states replace older
    # ones still queued, so it may skip some, never end on a stale one).
    assert statuses[-1] == "UNKNOWN"
    # The partner's own pushes: the whole platform's list outgrows a page in a full run.
    [partner] = [
        p
        for p in (await platform.get("roaming", "/admin/partners")).json()
        if (p["country_code"], p["party_id"]) == (sc.emsp_country_code, sc.emsp_party_id)
    ]
    pushes = await platform.get("roaming", "/admin/pushes", partner_id=partner["partner_id"])
    [push] = [p for p in pushes.json() if p["object_id"] == cdr["id"]]
    assert (push["state"], push["attempts"]) == ("DELIVERED", 1)
    assert push["location"] == f"{emsp.cdrs_url}/{cdr['id']}"
