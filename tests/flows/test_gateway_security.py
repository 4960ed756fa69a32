"""Station security at the gateway (issue: charger gateway): OCPP security profile 1 (HTTP
Basic per station, hashed passwords) and 2 (TLS), no station speaking under another's id,
secrets never in the logs, the registration policy for unknown stations, and a flooding
station rate-limited. Settings that differ from the shared stack's run on a second gateway
replica over the same database."""

from __future__ import annotations

import json
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import trustme
from websockets.exceptions import ConnectionClosed, InvalidStatus

from evroam_cli.client import Platform
from evroam_testing.gateway_replica import GatewayReplica, gateway_replica
from evroam_testing.ocpp_wire import BOOT_16, BOOT_201, answer, call, wire
from evroam_testing.stack import Stack

pytestmark = pytest.mark.flow
NewStation = Callable[..., Awaitable[str]]


async def set_password(stack: Stack, station_id: str, password: str, profile: int = 1) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.put(
            f"{stack.url('gateway')}/stations/{station_id}/credentials",
            json={"password": password, "security_profile": profile},
            headers=stack.admin_headers,
        )
    assert r.status_code == 204, r.text


async def refused(url: str, station_id: str, **kw: object) -> int:
    with pytest.raises(InvalidStatus) as refusal:
        async with wire(url, station_id, "ocpp1.6", **kw):  # type: ignore[arg-type]
            pass
    return refusal.value.response.status_code


async def test_a_station_with_a_password_is_let_in_only_with_it(
    stack: Stack, new_station: NewStation
) -> None:
    station_id, other_id = await new_station(), await new_station()
    password, other_password = "s3cret-" + uuid.uuid4().hex[:20], "other-" + uuid.uuid4().hex[:20]
    await set_password(stack, station_id, password)
    await set_password(stack, other_id, other_password)

    assert await refused(stack.ocpp_url, station_id) == 401  # no credentials
    assert await refused(stack.ocpp_url, station_id, password="wrong-password-0000") == 401
    async with wire(stack.ocpp_url, station_id, "ocpp1.6", password=password) as ws:
        assert (await call(ws, "BootNotification", BOOT_16))[2]["status"] == "Accepted"
    async with wire(stack.ocpp_url, other_id, "ocpp2.0.1", password=other_password) as ws:
        assert (await call(ws, "BootNotification", BOOT_201))[2]["status"] == "Accepted"


async def test_one_stations_credentials_never_open_another_stations_id(
    stack: Stack, new_station: NewStation
) -> None:
    victim, intruder = await new_station(), await new_station()
    intruder_password = "intruder-" + uuid.uuid4().hex[:20]
    await set_password(stack, victim, "victim-" + uuid.uuid4().hex[:20])
    await set_password(stack, intruder, intruder_password)
    headers = _basic(intruder, intruder_password)
    async with httpx.AsyncClient() as http:  # a plain HTTP upgrade attempt with those headers
        r = await http.get(
            f"{stack.ocpp_url.replace('ws://', 'http://')}/{victim}",
            headers={
                **headers,
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Protocol": "ocpp1.6",
            },
        )
    assert r.status_code == 401


def _basic(user: str, password: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_passwords_never_reach_a_log_or_an_event(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    from evroam_cli.log import logged

    station_id = await new_station()
    password = "never-logged-" + uuid.uuid4().hex[:20]
    await set_password(stack, station_id, password)
    await refused(stack.ocpp_url, station_id, password=password[::-1])
    async with wire(stack.ocpp_url, station_id, "ocpp1.6", password=password) as ws:
        await call(ws, "Heartbeat", {})
    events = await logged(platform, "gateway", lambda e: e.payload.get("station_id") == station_id)
    assert "station.credentials_set" in {e.type for e in events}
    assert password not in json.dumps([e.payload for e in events])
    for service in stack.services:
        assert password not in stack.log_path(service).read_text(errors="replace")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ssl.SSLContext]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    chain, key = folder / "gateway.pem", folder / "gateway.key"
    cert.private_key_pem.write_to_path(str(key))
    chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return chain, key, client


@pytest.fixture(scope="module")
async def strict_replica(
    stack: Stack, evroam_log_dir: Path, certificates: tuple[Path, Path, ssl.SSLContext]
) -> AsyncIterator[tuple[GatewayReplica, int]]:
    """A replica with a TLS port, unknown stations held Pending, passwords required and a
    tight per-station rate limit."""
    chain, key, _ = certificates
    from evroam_devstack import PortAllocator

    tls_port = PortAllocator(prefer_defaults=False).take("gateway tls")
    env = {
        "EVROAM_GATEWAY_OCPP_TLS_PORT": str(tls_port),
        "EVROAM_GATEWAY_OCPP_TLS_CERT_FILE": str(chain),
        "EVROAM_GATEWAY_OCPP_TLS_KEY_FILE": str(key),
        "EVROAM_GATEWAY_UNKNOWN_STATION_POLICY": "pending",
        "EVROAM_GATEWAY_REQUIRE_STATION_PASSWORD": "true",
        "EVROAM_GATEWAY_STATION_CALLS_PER_S": "2",
        "EVROAM_GATEWAY_STATION_CALL_BURST": "5",
        "EVROAM_GATEWAY_STATION_FLOOD_CLOSE_AFTER": "10",
    }
    async with gateway_replica(stack, "gateway-strict", evroam_log_dir, env) as replica:
        yield replica, tls_port


async def test_a_profile_2_station_is_served_over_tls_and_refused_in_the_clear(
    stack: Stack,
    new_station: NewStation,
    strict_replica: tuple[GatewayReplica, int],
    certificates: tuple[Path, Path, ssl.SSLContext],
) -> None:
    replica, tls_port = strict_replica
    station_id = await new_station()
    password = "tls-" + uuid.uuid4().hex[:20]
    await set_password(stack, station_id, password, profile=2)
    assert await refused(replica.ocpp_url, station_id, password=password) == 401
    secure_url = f"wss://127.0.0.1:{tls_port}/ocpp"
    async with wire(
        secure_url, station_id, "ocpp2.0.1", password=password, tls=certificates[2]
    ) as ws:
        assert (await call(ws, "BootNotification", BOOT_201))[2]["status"] == "Accepted"


async def test_a_station_without_a_password_is_refused_where_passwords_are_required(
    new_station: NewStation, strict_replica: tuple[GatewayReplica, int]
) -> None:
    replica, _ = strict_replica
    assert await refused(replica.ocpp_url, await new_station()) == 401


async def test_an_unknown_station_is_held_pending_until_it_is_registered(
    stack: Stack, platform: Platform, strict_replica: tuple[GatewayReplica, int]
) -> None:
    from evroam_cli import scenario

    replica, _ = strict_replica
    sc = scenario.Scenario.new()
    async with wire(replica.ocpp_url, sc.station_id, "ocpp1.6") as ws:
        boot = await call(ws, "BootNotification", BOOT_16)
        assert boot[2]["status"] == "Pending"
        refused_call = await call(ws, "Heartbeat", {})
        assert refused_call[2] == "SecurityError"
        # The operator registers it (and gives it a password, as this replica requires).
        await platform.register_location(scenario.location(sc))
        await platform.register_station(scenario.station(sc))
        await platform.eventually(
            "station registered",
            "gateway",
            lambda: platform.found("gateway", f"/stations/{sc.station_id}"),
        )
        boot = await call(ws, "BootNotification", BOOT_16)
        assert boot[2]["status"] == "Accepted"
        assert (await call(ws, "Heartbeat", {}))[0] == 3


async def test_a_flooding_station_is_refused_then_disconnected(
    stack: Stack, new_station: NewStation, strict_replica: tuple[GatewayReplica, int]
) -> None:
    replica, _ = strict_replica
    station_id = await new_station()
    password = "flood-" + uuid.uuid4().hex[:20]
    await set_password(stack, station_id, password)
    codes: list[object] = []
    async with wire(replica.ocpp_url, station_id, "ocpp1.6", password=password) as ws:
        for n in range(30):
            await ws.send(json.dumps([2, f"f{n}", "Heartbeat", {}]))
        try:
            while True:
                frame = await answer(ws, timeout_s=5)
                codes.append(frame[0] if frame[0] == 3 else frame[2])
        except ConnectionClosed as closed:
            codes.append(closed.rcvd.code if closed.rcvd else None)
        except TimeoutError:
            codes.append("timeout")
        assert codes[-1] == 1008, codes
    assert codes[:5] == [3] * 5, codes  # the burst is served
    assert "GenericError" in codes
