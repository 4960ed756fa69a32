"""Composition root of the roaming service."""

from __future__ import annotations

from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.cdr import CdrIssued
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer
from evroam_roaming.adapters.http import router as admin_router
from evroam_roaming.adapters.postgres import PostgresCdrs, PostgresPartners
from evroam_roaming.domain.partners import Party
from evroam_roaming.handlers.policies import on_cdr_issued
from evroam_roaming.ocpi.api import ocpi_app
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.projections.partners import PartnersV1
from evroam_roaming.settings import RoamingSettings
from evroam_runtime import ServiceHost, main, sql_dir

CDR_GROUP = "evroam.roaming.cdrs"


def cdr_consumer(group: str = CDR_GROUP) -> Consumer:
    """CDRs issued by the cdr service, kept for partners to pull (table `ocpi_cdrs`)."""
    return Consumer(
        group=group,
        topics=[events_topic("cdr")],
        handlers={CdrIssued.type_name: on_cdr_issued},
        service="roaming",
    )


def mount_http(app: FastAPI, pool: AsyncConnectionPool, settings: RoamingSettings) -> None:
    """The admin API at `/admin` and OCPI at `/ocpi` (the public URL points partners there)."""
    app.include_router(admin_router(pool, settings.admin_token))
    context = OcpiContext(
        public_url=settings.public_url,
        us=Party(settings.country_code, settings.party_id),
        business_name=settings.business_name,
        max_page_size=settings.ocpi_max_page_size,
        partners=PostgresPartners(pool),
        cdrs=PostgresCdrs(pool),
    )
    app.mount("/ocpi", ocpi_app(context))


async def wire(host: ServiceHost) -> None:
    assert isinstance(host.settings, RoamingSettings)
    host.add_projection(PartnersV1())
    host.add_consumer(cdr_consumer())
    mount_http(host.app, host.pool, host.settings)


def run() -> int:
    return main("roaming", RoamingSettings, wire, sql_dir(__file__))
