"""Composition root of the charger gateway."""

from __future__ import annotations

import asyncio

from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.topics import GATEWAY_REPLIES, events_topic
from evroam_gateway.adapters.http import router
from evroam_gateway.handlers.authorization import Authorization, on_token_registered
from evroam_gateway.handlers.station_traffic import StationTraffic
from evroam_gateway.ocpp.server import OcppServer
from evroam_gateway.projections.registry import RegistryV1
from evroam_gateway.settings import GatewaySettings
from evroam_messaging import Consumer, Requester
from evroam_runtime import ServiceHost, main, sql_dir


async def wire(host: ServiceHost) -> None:
    s = host.settings
    assert isinstance(s, GatewaySettings)
    requester = Requester(host.producer, s.kafka_bootstrap_servers, GATEWAY_REPLIES)
    await requester.start()
    authorization = Authorization(host.pool, requester, s.authorize_timeout_s)
    traffic = StationTraffic(host.pool, authorization)
    server = OcppServer(traffic, s.ocpp_host, s.ocpp_port, s.max_frame_bytes)

    async def ocpp(stop: asyncio.Event) -> None:
        try:
            await server.run(stop)
        finally:
            await requester.stop()

    host.add_projection(RegistryV1())
    host.add_consumer(
        Consumer(
            group="evroam.gateway.authorization-cache",
            topics=[events_topic("authorization")],
            handlers={TokenRegistered.type_name: on_token_registered},
            service="gateway",
        )
    )
    host.add_task("ocpp", ocpp)
    host.ready_checks["authorization replies"] = requester.ready.is_set
    host.gauges["evroam_connected_stations"] = (
        "Stations with an open OCPP connection to this replica",
        lambda: len(server.connected),
    )
    host.app.include_router(router(host.pool, s.admin_token))


def run() -> int:
    return main("gateway", GatewaySettings, wire, sql_dir(__file__))
