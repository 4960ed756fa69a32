"""Composition root of the charger gateway."""

from __future__ import annotations

import asyncio
import contextlib

from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.gateway import SendStationCommand
from evroam_contracts.topics import GATEWAY_COMMANDS, GATEWAY_REPLIES, events_topic
from evroam_gateway.adapters.credentials import StationCredentials
from evroam_gateway.adapters.http import router
from evroam_gateway.adapters.internal_api import internal_router
from evroam_gateway.handlers.authorization import Authorization, on_token_registered
from evroam_gateway.handlers.station_commands import StationCommands
from evroam_gateway.handlers.station_traffic import StationTraffic
from evroam_gateway.ocpp.connection import Policy
from evroam_gateway.ocpp.server import Limits, OcppServer, tls_context
from evroam_gateway.projections.registry import RegistryV1
from evroam_gateway.settings import GatewaySettings
from evroam_messaging import Consumer, Requester
from evroam_runtime import ServiceHost, main, sql_dir

PRUNE_EVERY_S = 3600


def _server(
    s: GatewaySettings, traffic: StationTraffic, credentials: StationCredentials
) -> OcppServer:
    policy = Policy(
        heartbeat_interval_s=s.heartbeat_interval_s,
        unknown_station_status="Pending" if s.unknown_station_policy == "pending" else "Rejected",
    )
    limits = Limits(
        max_frame_bytes=s.max_frame_bytes,
        calls_per_s=s.station_calls_per_s,
        burst=s.station_call_burst,
        flood_close_after=s.station_flood_close_after,
        command_timeout_s=s.command_timeout_s,
        require_password=s.require_station_password,
    )
    replica_url = s.advertised_url or f"http://{s.http_host}:{s.http_port}"
    return OcppServer(traffic, credentials.check, policy, limits, replica_url)


async def wire(host: ServiceHost) -> None:
    s = host.settings
    assert isinstance(s, GatewaySettings)
    requester = Requester(host.producer, s.kafka_bootstrap_servers, GATEWAY_REPLIES)
    await requester.start()
    authorization = Authorization(host.pool, requester, s.authorize_timeout_s)
    traffic = StationTraffic(host.pool, authorization, s.instance_id)
    # One verification cache and one argon2 limit for the upgrade and the admin API.
    credentials = StationCredentials(host.pool)
    server = _server(s, traffic, credentials)
    commands = StationCommands(
        host.pool, server.connected, s.instance_id, s.admin_token, s.command_timeout_s
    )
    tls = None
    if s.ocpp_tls_port and s.ocpp_tls_cert_file and s.ocpp_tls_key_file:
        tls = (s.ocpp_tls_port, tls_context(s.ocpp_tls_cert_file, s.ocpp_tls_key_file))

    async def ocpp(stop: asyncio.Event) -> None:
        try:
            await server.run(stop, s.ocpp_host, s.ocpp_port, tls)
        finally:
            await requester.stop()

    async def prune(stop: asyncio.Event) -> None:
        while not stop.is_set():
            await traffic.ledger.prune(s.call_ledger_retention_days)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PRUNE_EVERY_S)

    host.add_projection(RegistryV1())
    host.add_consumer(
        Consumer(
            group="evroam.gateway.authorization-cache",
            topics=[events_topic("authorization")],
            handlers={TokenRegistered.type_name: on_token_registered},
            service="gateway",
        )
    )
    host.add_consumer(
        Consumer(
            group="evroam.gateway.commands",
            topics=[GATEWAY_COMMANDS],
            handlers={SendStationCommand.type_name: commands.on_command},
            service="gateway",
            fetch_max_wait_ms=25,  # an operator or a partner is waiting on the outcome
        )
    )
    host.add_task("ocpp", ocpp)
    host.add_task("station-commands", commands.run)
    host.add_task("call-ledger-prune", prune)
    host.ready_checks["authorization replies"] = requester.ready.is_set
    host.gauges["evroam_connected_stations"] = (
        "Stations with an open OCPP connection to this replica",
        lambda: len(server.connected),
    )
    host.counters["evroam_ocpp_messages"] = (
        "OCPP-J frames received from and sent to stations by this replica",
        ("direction", "version", "message_type", "action"),
        lambda: server.messages,
    )
    host.app.include_router(router(host.pool, s.admin_token, credentials))
    host.app.include_router(internal_router(commands, s.admin_token))


def run() -> int:
    return main("gateway", GatewaySettings, wire, sql_dir(__file__))
