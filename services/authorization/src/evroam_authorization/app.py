"""Composition root of the authorization service."""

from __future__ import annotations

from evroam_authorization.adapters.http import router
from evroam_authorization.handlers.policies import on_authorize_token
from evroam_authorization.projections.tokens import TokensV2
from evroam_authorization.settings import AuthorizationSettings
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.topics import AUTHORIZATION_REQUESTS
from evroam_messaging import Consumer
from evroam_runtime import ServiceHost, main, sql_dir


async def wire(host: ServiceHost) -> None:
    host.add_projection(TokensV2())
    host.add_consumer(
        Consumer(
            group="evroam.authorization.requests",
            topics=[AUTHORIZATION_REQUESTS],
            handlers={AuthorizeToken.type_name: on_authorize_token(host.producer)},
            service="authorization",
        )
    )
    host.app.include_router(router(host.pool, host.settings.admin_token))


def run() -> int:
    return main("authorization", AuthorizationSettings, wire, sql_dir(__file__))
