"""Composition root of the session service."""

from __future__ import annotations

from evroam_contracts.gateway import (
    MeterValuesSampled,
    StationBooted,
    StationStatusChanged,
    TransactionAuthorized,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer
from evroam_runtime import ServiceHost, main, sql_dir
from evroam_session.adapters.http import router
from evroam_session.handlers import policies, tariffs
from evroam_session.handlers.sweeper import sweeper
from evroam_session.projections.sessions_v2 import SessionsV2
from evroam_session.settings import SessionSettings


async def wire(host: ServiceHost) -> None:
    s = host.settings
    assert isinstance(s, SessionSettings)
    host.add_projection(SessionsV2())
    host.add_consumer(
        Consumer(
            group="evroam.session.policies",
            topics=[events_topic("gateway"), events_topic("tariff")],
            handlers={
                TransactionStarted.type_name: policies.on_transaction_started(s.default_currency),
                TransactionAuthorized.type_name: policies.on_transaction_authorized(
                    s.default_currency
                ),
                MeterValuesSampled.type_name: policies.on_meter_values_sampled,
                TransactionEnded.type_name: policies.on_transaction_ended,
                StationStatusChanged.type_name: policies.on_status_changed,
                StationBooted.type_name: policies.on_station_booted(s),
                TariffPublished.type_name: tariffs.on_tariff_published,
                TariffAssigned.type_name: tariffs.on_tariff_assigned,
                TariffRetired.type_name: tariffs.on_tariff_retired,
            },
            service="session",
        )
    )
    if s.unfinished_policy == "close":
        host.add_task(
            "unfinished-sessions", sweeper(host.pool, s.unfinished_after_s, s.sweep_every_s)
        )
    host.app.include_router(router(host.pool))


def run() -> int:
    return main("session", SessionSettings, wire, sql_dir(__file__))
