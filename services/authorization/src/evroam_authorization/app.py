"""Composition root of the authorization service."""

from __future__ import annotations

import asyncio

from evroam_authorization.adapters.http import router
from evroam_authorization.handlers.policies import Authorizer, on_token_received
from evroam_authorization.handlers.remote_starts import on_command_received
from evroam_authorization.projections.tokens import TokensV2
from evroam_authorization.settings import AuthorizationSettings
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.roaming import RemoteCommandReceived, TokenReceived
from evroam_contracts.topics import AUTHORIZATION_REPLIES, AUTHORIZATION_REQUESTS, events_topic
from evroam_messaging import BackgroundWork, Consumer, Requester
from evroam_runtime import ServiceHost, main, sql_dir

# A station waits for every request: fetch them with little delay (see Consumer).
REQUEST_FETCH_WAIT_MS = 25


async def wire(host: ServiceHost) -> None:
    s = host.settings
    assert isinstance(s, AuthorizationSettings)
    roaming = Requester(host.producer, s.kafka_bootstrap_servers, AUTHORIZATION_REPLIES)
    await roaming.start()
    background = BackgroundWork("realtime-authorization", s.max_realtime_in_flight)
    authorizer = Authorizer(host.pool, host.producer, roaming, background)

    async def realtime(stop: asyncio.Event) -> None:
        try:
            await stop.wait()
        finally:
            await background.stop()
            await roaming.stop()

    host.add_projection(TokensV2())
    host.add_consumer(
        Consumer(
            group="evroam.authorization.requests",
            topics=[AUTHORIZATION_REQUESTS],
            handlers={AuthorizeToken.type_name: authorizer.on_authorize_token},
            service="authorization",
            fetch_max_wait_ms=REQUEST_FETCH_WAIT_MS,
        )
    )
    host.add_consumer(
        Consumer(
            group="evroam.authorization.roaming-tokens",
            topics=[events_topic("roaming")],
            handlers={
                TokenReceived.type_name: on_token_received,
                RemoteCommandReceived.type_name: on_command_received,
            },
            service="authorization",
        )
    )
    host.add_task("realtime", realtime)
    host.ready_checks["roaming replies"] = roaming.ready.is_set
    host.gauges["evroam_realtime_authorizations_in_flight"] = (
        "Authorize requests waiting for an eMSP's real-time answer",
        lambda: background.running,
    )
    host.app.include_router(router(host.pool, s.admin_token))


def run() -> int:
    return main("authorization", AuthorizationSettings, wire, sql_dir(__file__))
