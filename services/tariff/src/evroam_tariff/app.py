"""Composition root of the tariff service."""

from __future__ import annotations

from evroam_contracts.gateway import LocationRegistered
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer
from evroam_runtime import ServiceHost, main, sql_dir
from evroam_tariff.adapters.http import router
from evroam_tariff.adapters.postgres import on_location_registered
from evroam_tariff.projections.tariffs import TariffsV2
from evroam_tariff.settings import TariffSettings


async def wire(host: ServiceHost) -> None:
    host.add_projection(TariffsV2())
    host.add_consumer(
        Consumer(
            group="evroam.tariff.locations",
            topics=[events_topic("gateway")],
            handlers={LocationRegistered.type_name: on_location_registered},
            service="tariff",
        )
    )
    host.app.include_router(router(host.pool, host.settings.admin_token))


def run() -> int:
    return main("tariff", TariffSettings, wire, sql_dir(__file__))
