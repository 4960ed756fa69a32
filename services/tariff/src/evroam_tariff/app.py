"""Composition root of the tariff service."""

from __future__ import annotations

from evroam_runtime import ServiceHost, main, sql_dir
from evroam_tariff.adapters.http import router
from evroam_tariff.projections.tariffs import TariffVersionsV1
from evroam_tariff.settings import TariffSettings


async def wire(host: ServiceHost) -> None:
    host.add_projection(TariffVersionsV1())
    host.app.include_router(router(host.pool, host.settings.admin_token))


def run() -> int:
    return main("tariff", TariffSettings, wire, sql_dir(__file__))
