"""Authorization through the gateway with real OCPP 1.6 stations (issue: authorization
service): own tokens, blocked and unknown tokens, roaming tokens authorized in real time by a
real OCPI eMSP partner, the whitelist deciding when that partner is down, and the gateway's
local cache deciding when the authorization service is down."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_cli.log import about_station, eventually_logged, read_to_end
from evroam_contracts.emi3 import ContractId
from evroam_contracts.topics import events_topic
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.stack import Stack
from evroam_testing.station import SimulatedStation16, play_session
from evroam_testing.station201 import SimulatedStation201

pytestmark = pytest.mark.flow
START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def partner_token(sc: scenario.Scenario, uid: str, whitelist: str, **kw: Any) -> dict[str, Any]:
    return {
        **scenario.token(sc),
        "uid": uid,
        "contract_id": str(
            ContractId.new(sc.emsp_country_code, sc.emsp_party_id, f"{uid[-8:]:0>8}")
        ),
        "whitelist": whitelist,
        "last_updated": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        **kw,
    }


async def known_to_authorization(p: Platform, sc: scenario.Scenario, uid: str) -> None:
    path = f"/tokens/{sc.emsp_country_code}/{sc.emsp_party_id}/{uid}"
    await p.eventually(
        f"token {uid} registered", "authorization", lambda: p.found("authorization", path)
    )


async def cached_by_gateway(p: Platform, uid: str) -> None:
    async def probe() -> Any:
        rows = await p.found("gateway", f"/authorization-cache/{uid}")
        return rows if rows and rows[0]["valid"] else None

    await p.eventually(f"token {uid} in the gateway's cache", "gateway", probe)


async def decisions(
    p: Platform, producer: str, event_type: str, station_id: str, *id_tags: str
) -> dict[str, dict[str, Any]]:
    """The latest `event_type` decision per id tag at `station_id`, once the log (which the
    relay fills a moment after the answer) holds one for each of `id_tags`."""

    async def logged() -> dict[str, dict[str, Any]] | None:
        found: dict[str, dict[str, Any]] = {}
        async for record in read_to_end(
            p.endpoints.kafka_bootstrap_servers, [events_topic(producer)], progress=None
        ):
            headers = {k: v.decode() for k, v in record.headers}
            payload = json.loads(record.value)
            if headers.get("ce_type") == event_type and payload["station_id"] == station_id:
                found[payload["id_tag"]] = payload
        return found if all(t in found for t in id_tags) else None

    return await p.eventually(f"{event_type} for {id_tags} logged", producer, logged)


@pytest.fixture(scope="module")
async def provisioned_here(platform: Platform) -> tuple[scenario.Scenario, str]:
    """A station, location, tariff and token of its own, and its eMSP's OCPI token A."""
    sc = scenario.Scenario.new()
    return sc, await scenario.provision(platform, sc)


@pytest.fixture(scope="module")
def sc(provisioned_here: tuple[scenario.Scenario, str]) -> scenario.Scenario:
    return provisioned_here[0]


@pytest.fixture(scope="module")
async def station(platform: Platform, sc: scenario.Scenario) -> AsyncIterator[SimulatedStation16]:
    async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
        assert await cs.boot() == "Accepted"
        yield cs


@pytest.fixture(scope="module")
async def partner(
    stack: Stack, provisioned_here: tuple[scenario.Scenario, str]
) -> AsyncIterator[OcpiPartner]:
    """The scenario's eMSP, registered with us through the OCPI credentials handshake."""
    sc, token_a = provisioned_here
    async with OcpiPartner(sc.emsp_country_code, sc.emsp_party_id) as emsp:
        await emsp.register(stack.ocpi_versions_url, token_a)
        yield emsp


async def test_our_own_token_is_accepted_and_its_session_carries_the_decision(
    platform: Platform, sc: scenario.Scenario, station: SimulatedStation16
) -> None:
    run = await play_session(
        station,
        id_tag=sc.token_uid,
        connector_id=1,
        started_at=START,
        meter_start_wh=1000,
        energy_wh_per_step=(2000,),
        step=timedelta(minutes=10),
    )
    assert (run.authorize_status, run.start_status) == ("Accepted", "Accepted")
    session = await scenario.session_of(platform, sc, START)
    assert session["auth_method"] == "WHITELIST"
    assert session["authorization_reference"]
    assert session["cdr_token"]["contract_id"] == sc.contract_id


async def test_a_blocked_token_is_refused(
    platform: Platform, sc: scenario.Scenario, station: SimulatedStation16
) -> None:
    uid = f"BLK{sc.suffix}"
    await platform.register_token(partner_token(sc, uid, "ALLOWED", valid=False))
    await known_to_authorization(platform, sc, uid)
    assert await station.authorize(uid) == "Blocked"


async def test_an_unknown_token_is_invalid(station: SimulatedStation16) -> None:
    assert await station.authorize(f"NOPE{secrets.token_hex(4)}") == "Invalid"


async def test_a_uid_issued_by_two_parties_authorizes_neither(
    platform: Platform, sc: scenario.Scenario, station: SimulatedStation16
) -> None:
    uid = f"TWO{sc.suffix}"
    other = scenario.Scenario.new()  # another eMSP party, same card uid
    await platform.register_token(partner_token(sc, uid, "ALWAYS"))
    await platform.register_token(partner_token(other, uid, "ALWAYS"))
    await known_to_authorization(platform, sc, uid)
    await known_to_authorization(platform, other, uid)
    assert await station.authorize(uid) == "Invalid"


async def test_the_token_group_is_the_parent_id_tag(
    platform: Platform, sc: scenario.Scenario, station: SimulatedStation16
) -> None:
    uid = f"GRP{sc.suffix}"
    await platform.register_token(partner_token(sc, uid, "ALWAYS", group_id=f"FLEET{sc.suffix}"))
    await known_to_authorization(platform, sc, uid)
    info = await station.authorize_info(uid)
    assert (info["status"], info["parent_id_tag"]) == ("Accepted", f"FLEET{sc.suffix}")


async def test_a_roaming_token_is_authorized_in_real_time_by_its_emsp(
    platform: Platform,
    sc: scenario.Scenario,
    station: SimulatedStation16,
    partner: OcpiPartner,
) -> None:
    uid = f"RT{sc.suffix}"
    assert (await partner.put_token(partner_token(sc, uid, "NEVER"))).status_code in (200, 201)
    await known_to_authorization(platform, sc, uid)
    partner.answer(uid, "ALLOWED", authorization_reference=f"EMSP-{sc.suffix}")
    started = START + timedelta(hours=1)
    run = await play_session(
        station,
        id_tag=uid,
        connector_id=1,
        started_at=started,
        meter_start_wh=5000,
        energy_wh_per_step=(1500,),
        step=timedelta(minutes=10),
    )
    assert (run.authorize_status, run.start_status) == ("Accepted", "Accepted")
    asked = [c for c in partner.authorize_calls if c["uid"] == uid]
    assert len(asked) == 2  # Authorize, then StartTransaction
    assert asked[-1]["body"]["location_id"] == sc.location_id
    assert asked[-1]["body"]["evse_uids"] == [f"EVSE-{sc.suffix}-1"]
    logged = await decisions(platform, "authorization", "authorization.decided", sc.station_id, uid)
    decided = logged[uid]
    assert (decided["status"], decided["auth_method"]) == ("ACCEPTED", "AUTH_REQUEST")
    assert decided["reason"] == "eMSP answered ALLOWED"
    session = await scenario.session_of(platform, sc, started)
    assert (session["auth_method"], session["authorization_reference"]) == (
        "AUTH_REQUEST",
        f"EMSP-{sc.suffix}",
    )


async def test_the_emsps_refusal_is_the_stations_answer(
    platform: Platform,
    sc: scenario.Scenario,
    station: SimulatedStation16,
    partner: OcpiPartner,
) -> None:
    uid = f"RB{sc.suffix}"
    await partner.put_token(partner_token(sc, uid, "ALLOWED_OFFLINE"))
    await known_to_authorization(platform, sc, uid)
    partner.answer(uid, "BLOCKED")
    assert await station.authorize(uid) == "Blocked"


async def test_when_the_emsp_is_down_the_whitelist_decides(
    platform: Platform,
    sc: scenario.Scenario,
    station: SimulatedStation16,
    partner: OcpiPartner,
) -> None:
    offline_ok, never = f"OFF{sc.suffix}", f"NEV{sc.suffix}"
    await partner.put_token(partner_token(sc, offline_ok, "ALLOWED_OFFLINE"))
    await partner.put_token(partner_token(sc, never, "NEVER"))
    await known_to_authorization(platform, sc, offline_ok)
    await known_to_authorization(platform, sc, never)
    partner.answer(offline_ok, "ALLOWED")
    partner.answer(never, "ALLOWED")
    await partner.stop()
    try:
        assert await station.authorize(offline_ok) == "Accepted"
        assert await station.authorize(never) == "Invalid"
        by_tag = await decisions(
            platform, "authorization", "authorization.decided", sc.station_id, offline_ok, never
        )
    finally:
        await partner.start()
    assert "eMSP unreachable" in by_tag[offline_ok]["reason"]
    assert "ALLOWED_OFFLINE allows a local decision" in by_tag[offline_ok]["reason"]
    assert "NEVER forbids a local decision" in by_tag[never]["reason"]
    assert await station.authorize(never) == "Accepted"  # back up: asked again, and allowed


async def test_when_authorization_is_down_the_gateway_cache_decides_and_says_so(
    platform: Platform,
    stack: Stack,
    sc: scenario.Scenario,
    station: SimulatedStation16,
    new_station: Callable[..., Awaitable[str]],
) -> None:
    never = f"GNV{sc.suffix}"
    await platform.register_token(partner_token(sc, never, "NEVER"))
    await cached_by_gateway(platform, sc.token_uid)
    await cached_by_gateway(platform, never)
    station_201 = await new_station()
    await stack.astop("authorization")
    try:
        assert await station.authorize(sc.token_uid) == "Accepted"
        assert await station.authorize(never) == "Invalid"
        by_tag = await decisions(
            platform, "gateway", "station.authorized_locally", sc.station_id, sc.token_uid, never
        )
        # OCPP 2.0.1: a TransactionEvent(Started) is decided the same way (E01.FR.11).
        async with SimulatedStation201(platform.endpoints.ocpp_url, station_201) as cs201:
            tx = cs201.transaction()
            answer = await tx.started(1_000, datetime.now(UTC), id_token=sc.token_uid)
            assert answer["idTokenInfo"]["status"] == "Accepted"
    finally:
        await stack.astart("authorization")
        await platform.require_ready()
    [started] = await eventually_logged(
        platform, "gateway", about_station(station_201, "station.transaction_started")
    )
    assert started.payload["authorization"]["decided_by"] == "local_cache"
    assert started.payload["authorization"]["contract_id"] == sc.contract_id
    assert by_tag[sc.token_uid]["status"] == "ACCEPTED"
    assert "did not answer" in by_tag[sc.token_uid]["reason"]
    assert by_tag[sc.token_uid]["contract_id"] == sc.contract_id
    assert by_tag[never]["status"] == "INVALID"
    assert "NEVER" in by_tag[never]["reason"]
