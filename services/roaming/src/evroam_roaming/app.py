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
from evroam_roaming.adapters.admin_commands import router as admin_commands_router
from evroam_roaming.adapters.admin_pull import router as admin_pull_router
from evroam_roaming.adapters.commands_client import CommandsClient
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
from evroam_roaming.emsp_consumers import emsp_tokens_consumer
from evroam_roaming.handlers.credentials import CredentialsHandshake
from evroam_roaming.handlers.emsp_commands import CommandResults, CommandSender
from evroam_roaming.handlers.emsp_receiver import EmspReceiver
from evroam_roaming.handlers.emsp_tokens import EmspTokens
from evroam_roaming.handlers.policies import on_cdr_issued
from evroam_roaming.handlers.pull import Puller
from evroam_roaming.handlers.push import Pusher
from evroam_roaming.handlers.realtime import RealtimeAuthorizer
from evroam_roaming.handlers.remote_commands import CommandReceiver
from evroam_roaming.handlers.tokens import TokenReceiver
from evroam_roaming.ocpi.api import ocpi_app
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.projections.partners import PartnerConnectionsV1, PartnersV1
from evroam_roaming.projections.tokens import OcpiTokensV1
from evroam_roaming.settings import RoamingSettings
from evroam_runtime import ServiceHost, limit_body, main, sql_dir

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


def command_receiver(
    pool: AsyncConnectionPool, producer: Producer, settings: RoamingSettings
) -> CommandReceiver:
    return CommandReceiver(
        pool,
        producer,
        station_timeout_s=settings.command_station_timeout_s,
        result_timeout_s=settings.command_result_timeout_s,
    )


def command_sender(
    pool: AsyncConnectionPool, http: httpx.AsyncClient, settings: RoamingSettings
) -> CommandSender:
    """The eMSP role's commands to CPOs (OCPI 2.2.1 section 6.2), with a response_url of ours."""
    us = Party(settings.country_code, settings.party_id)
    client = CommandsClient(http, settings.ocpi_client_timeout_s)
    # OcpiContext.emsp_commands_url: our response_urls must land on our result routes.
    commands_url = f"{settings.public_url}/ocpi/emsp/{VERSION}/commands"
    return CommandSender(pool, client, us, commands_url)


def mount_http(
    app: FastAPI,
    pool: AsyncConnectionPool,
    settings: RoamingSettings,
    client: OcpiClient,
    pushes: Pusher | None = None,
    producer: Producer | None = None,
    http: httpx.AsyncClient | None = None,
) -> None:
    """The admin API at `/admin` and OCPI at `/ocpi` (the public URL points partners there);
    with `http`, operators send our commands to CPOs too (`/admin/commands`, eMSP role)."""
    # The host's app has the limit already; this puts it on an app served without a host too
    # (the tests'), since partners' OCPI bodies are where oversized ones come from.
    limit_body(app, settings.http_max_body_bytes)
    app.include_router(admin_router(pool, settings.admin_token, pushes.replay if pushes else None))
    if http is not None:
        sender = command_sender(pool, http, settings)
        app.include_router(admin_commands_router(pool, settings.admin_token, sender))
    # The eMSP role: what partner CPOs push to our Receivers, or we pull from their Senders.
    us = Party(settings.country_code, settings.party_id)
    emsp_objects = EmspReceiver(pool, our_parties=frozenset({us}))
    timeout = settings.ocpi_client_timeout_s
    puller = Puller(pool, emsp_objects, us, timeout_s=timeout, http=http)
    app.include_router(admin_pull_router(puller, settings.admin_token, settings.ocpi_max_page_size))
    partners = PostgresPartners(pool, us)
    context = OcpiContext(
        public_url=settings.public_url,
        us=us,
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
        commands=None if producer is None else command_receiver(pool, producer, settings),
        emsp_tokens=EmspTokens(pool),
        command_results=CommandResults(pool),
        emsp_objects=emsp_objects,
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
    host.add_consumer(emsp_tokens_consumer())
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
    }
    # Counters (exposed with `_total`): they only grow, and Prometheus takes their rate.
    host.counters |= {
        "evroam_roaming_push_failures": (
            "Failed push attempts (dead-lettered ones included)",
            (),
            lambda: {(): pushes.outcomes["FAILED"] + pushes.outcomes["DEAD_LETTERED"]},
        ),
        "evroam_roaming_pushes_delivered": (
            "Pushes delivered",
            (),
            lambda: {(): pushes.outcomes["DELIVERED"]},
        ),
    }

    async def close_on_stop(stop: asyncio.Event) -> None:
        # Both call partners with `http`: it is closed once both have stopped.
        await asyncio.gather(authorizer.run(stop), pushes.run(stop))
        await http.aclose()

    host.add_task("ocpi-client", close_on_stop)
    mount_http(host.app, host.pool, host.settings, client, pushes, host.producer, http=http)


def run() -> int:
    return main("roaming", RoamingSettings, wire, sql_dir(__file__))
