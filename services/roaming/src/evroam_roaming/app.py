"""Composition root of the roaming service."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.cdr import CdrIssued
from evroam_contracts.roaming import AuthorizeRealtime
from evroam_contracts.topics import ROAMING_REQUESTS, events_topic
from evroam_messaging import Consumer, Producer
from evroam_roaming.adapters.cpo_locations import PostgresLocations
from evroam_roaming.adapters.cpo_sessions import PostgresSessions
from evroam_roaming.adapters.cpo_tariffs import PostgresTariffs
from evroam_roaming.adapters.http import router as admin_router
from evroam_roaming.adapters.hub_clients import PostgresHubClients
from evroam_roaming.adapters.ocpi_client import OcpiClient
from evroam_roaming.adapters.postgres import PostgresCdrs, PostgresPartners
from evroam_roaming.consumers import cpo_objects_consumer
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import PushPolicy
from evroam_roaming.handlers.credentials import CredentialsHandshake
from evroam_roaming.handlers.policies import on_cdr_issued
from evroam_roaming.handlers.push import Pusher
from evroam_roaming.handlers.realtime import RealtimeAuthorizer
from evroam_roaming.handlers.tokens import TokenReceiver
from evroam_roaming.ocpi.api import ocpi_app
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.projections.partners import PartnerConnectionsV1, PartnersV1
from evroam_roaming.projections.tokens import OcpiTokensV1
from evroam_roaming.settings import RoamingSettings
from evroam_runtime import ServiceHost, main, sql_dir

CDR_GROUP = "evroam.roaming.cdrs"
REQUESTS_GROUP = "evroam.roaming.requests"


def cdr_consumer(group: str = CDR_GROUP) -> Consumer:
    """CDRs issued by the cdr service, kept for partners to pull (table `ocpi_cdrs`)."""
    return Consumer(
        group=group,
        topics=[events_topic("cdr")],
        handlers={CdrIssued.type_name: on_cdr_issued},
        service="roaming",
    )


def requests_consumer(
    authorizer: RealtimeAuthorizer, group: str = REQUESTS_GROUP, topic: str = ROAMING_REQUESTS
) -> Consumer:
    """Real-time authorization requests from the authorization service (ADR 0004)."""
    return Consumer(
        group=group,
        topics=[topic],
        handlers={AuthorizeRealtime.type_name: authorizer.handler()},
        service="roaming",
    )


def projections() -> list[PartnersV1 | PartnerConnectionsV1 | OcpiTokensV1]:
    return [PartnersV1(), PartnerConnectionsV1(), OcpiTokensV1()]


def ocpi_client(http: httpx.AsyncClient, settings: RoamingSettings) -> OcpiClient:
    return OcpiClient(http, settings.ocpi_client_timeout_s)


def realtime_authorizer(
    producer: Producer, client: OcpiClient, settings: RoamingSettings
) -> RealtimeAuthorizer:
    return RealtimeAuthorizer(
        producer,
        client,
        Party(settings.country_code, settings.party_id),
        max_in_flight=settings.realtime_max_in_flight,
        margin_s=settings.realtime_margin_s,
        default_timeout_s=settings.realtime_timeout_s,
    )


def pusher(pool: AsyncConnectionPool, http: httpx.AsyncClient, settings: RoamingSettings) -> Pusher:
    policy = PushPolicy(
        max_attempts=settings.push_max_attempts,
        backoff_s=settings.push_backoff_s,
        backoff_max_s=settings.push_backoff_max_s,
        breaker_threshold=settings.push_breaker_threshold,
        breaker_cooldown_s=settings.push_breaker_cooldown_s,
    )
    return Pusher(
        pool,
        http,
        Party(settings.country_code, settings.party_id),
        policy,
        timeout_s=settings.ocpi_client_timeout_s,
        poll_s=settings.push_poll_s,
    )


def mount_http(
    app: FastAPI,
    pool: AsyncConnectionPool,
    settings: RoamingSettings,
    client: OcpiClient,
    pushes: Pusher | None = None,
) -> None:
    """The admin API at `/admin` and OCPI at `/ocpi` (the public URL points partners there)."""
    app.include_router(admin_router(pool, settings.admin_token, pushes.replay if pushes else None))
    partners = PostgresPartners(pool)
    context = OcpiContext(
        public_url=settings.public_url,
        us=Party(settings.country_code, settings.party_id),
        business_name=settings.business_name,
        max_page_size=settings.ocpi_max_page_size,
        partners=partners,
        cdrs=PostgresCdrs(pool),
        tokens=TokenReceiver(pool),
        registrar=CredentialsHandshake(pool, client, partners),
        locations=PostgresLocations(pool),
        sessions=PostgresSessions(pool),
        tariffs=PostgresTariffs(pool),
        hub_clients=PostgresHubClients(pool),
    )
    app.mount("/ocpi", ocpi_app(context))


async def wire(host: ServiceHost) -> None:
    assert isinstance(host.settings, RoamingSettings)
    http = httpx.AsyncClient(follow_redirects=False)
    client = ocpi_client(http, host.settings)
    authorizer = realtime_authorizer(host.producer, client, host.settings)
    for projection in projections():
        host.add_projection(projection)
    host.add_consumer(cdr_consumer())
    host.add_consumer(cpo_objects_consumer())
    host.add_consumer(requests_consumer(authorizer))
    host.gauges["evroam_roaming_realtime_in_flight"] = (
        "Real-time authorization calls to eMSPs in flight",
        lambda: float(authorizer.in_flight),
    )

    pushes = pusher(host.pool, http, host.settings)
    host.gauges |= {
        "evroam_roaming_pushes_pending": ("Pushes to partners waiting", lambda: pushes.pending),
        "evroam_roaming_pushes_dead": (
            "Pushes dead-lettered (GET /admin/pushes?state=DEAD; replay from there)",
            lambda: pushes.dead,
        ),
        "evroam_roaming_push_failures": (
            "Failed push attempts since start (dead-lettered ones included)",
            lambda: pushes.outcomes["FAILED"] + pushes.outcomes["DEAD_LETTERED"],
        ),
        "evroam_roaming_pushes_delivered": (
            "Pushes delivered since start",
            lambda: pushes.outcomes["DELIVERED"],
        ),
    }

    async def close_on_stop(stop: asyncio.Event) -> None:
        # Both call partners with `http`: it is closed once both have stopped.
        await asyncio.gather(authorizer.run(stop), pushes.run(stop))
        await http.aclose()

    host.add_task("ocpi-client", close_on_stop)
    mount_http(host.app, host.pool, host.settings, client, pushes)


def run() -> int:
    return main("roaming", RoamingSettings, wire, sql_dir(__file__))
