"""Composition root of the CDR service."""

from __future__ import annotations

from evroam_cdr.adapters.http import router
from evroam_cdr.handlers.policies import on_session_completed
from evroam_cdr.projections.cdrs import CdrsV1
from evroam_cdr.settings import CdrSettings
from evroam_contracts.session import SessionCompleted
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer
from evroam_runtime import ServiceHost, main, sql_dir


def policies() -> Consumer:
    """session.completed becomes a CDR; a session that fails a check goes to evroam.cdr.dlq."""
    return Consumer(
        group="evroam.cdr.policies",
        topics=[events_topic("session")],
        handlers={SessionCompleted.type_name: on_session_completed},
        service="cdr",
    )


async def wire(host: ServiceHost) -> None:
    host.add_projection(CdrsV1())
    host.add_consumer(policies())
    host.app.include_router(router(host.pool))


def run() -> int:
    return main("cdr", CdrSettings, wire, sql_dir(__file__))
