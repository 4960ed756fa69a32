"""Composition root of the CDR service."""

from __future__ import annotations

from datetime import timedelta

from evroam_cdr.adapters import http, review_api
from evroam_cdr.domain.checks import Policy
from evroam_cdr.handlers import policies as p
from evroam_cdr.projections.cdrs import CdrsV2
from evroam_cdr.projections.reviews import CdrReviewsV1
from evroam_cdr.settings import CdrSettings
from evroam_contracts.authorization import AuthorizationDecided, TokenRegistered
from evroam_contracts.gateway import LocationRegistered, LocationUpdated
from evroam_contracts.session import SessionCompleted, SessionCorrected, SessionStarted
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer
from evroam_runtime import ServiceHost, main, sql_dir


def policies(policy: Policy, reference_grace: timedelta = timedelta(seconds=15)) -> Consumer:
    """A completed or corrected session becomes a CDR (issued, or held for review); a started
    one is remembered, so that a CDR of a session never seen starting is held."""
    on_completed = p.on_session_completed(policy, reference_grace)
    return Consumer(
        group="evroam.cdr.policies",
        topics=[events_topic("session")],
        handlers={
            SessionStarted.type_name: p.on_session_started,
            SessionCompleted.type_name: on_completed,
            SessionCorrected.type_name: on_completed,
        },
        service="cdr",
    )


def references() -> Consumer:
    """The locations and tokens a CDR may refer to (its reconciliation checks them)."""
    return Consumer(
        group="evroam.cdr.references",
        topics=[events_topic("gateway"), events_topic("authorization")],
        handlers={
            LocationRegistered.type_name: p.on_location_registered,
            LocationUpdated.type_name: p.on_location_registered,
            TokenRegistered.type_name: p.on_token_registered,
            AuthorizationDecided.type_name: p.on_authorization_decided,
        },
        service="cdr",
    )


async def wire(host: ServiceHost) -> None:
    settings = host.settings
    assert isinstance(settings, CdrSettings)
    policy = settings.policy()
    host.add_projection(CdrsV2())
    host.add_projection(CdrReviewsV1())
    host.add_consumer(references())
    host.add_consumer(policies(policy, timedelta(seconds=settings.reference_grace_s)))
    host.app.include_router(http.router(host.pool))
    host.app.include_router(review_api.router(host.pool, policy, settings.admin_token))


def run() -> int:
    return main("cdr", CdrSettings, wire, sql_dir(__file__))
