"""Composition root of the billing service."""

from __future__ import annotations

from evroam_billing.adapters import invoices_api, statements_api
from evroam_billing.adapters.http import router
from evroam_billing.domain.statements import Party, parse_parties
from evroam_billing.handlers import policies as invoice_policies
from evroam_billing.handlers import settlement_policies
from evroam_billing.projections.invoice_lines import InvoiceLinesV2
from evroam_billing.projections.invoices import InvoicesV1
from evroam_billing.projections.statement_lines import StatementLinesV1
from evroam_billing.settings import BillingSettings
from evroam_contracts.cdr import CdrIssued
from evroam_contracts.roaming import PushAttempted
from evroam_contracts.roaming_received import CdrReceived
from evroam_contracts.topics import events_topic
from evroam_eventstore.projections import Projection
from evroam_messaging import Consumer
from evroam_runtime import ServiceHost, main, sql_dir


def policies(own_parties: frozenset[Party]) -> Consumer:
    """Every CDR of our own parties' tokens, from our network (cdr.issued) or a partner CPO's
    (roaming.cdr_received), goes on its driver's invoice; a CDR that cannot be billed goes to
    evroam.billing.dlq."""
    return Consumer(
        group="evroam.billing.policies",
        topics=[events_topic("cdr"), events_topic("roaming")],
        handlers={
            CdrIssued.type_name: invoice_policies.on_cdr_issued(own_parties),
            CdrReceived.type_name: invoice_policies.on_cdr_received(own_parties),
        },
        service="billing",
        wants=invoice_policies.ours(own_parties),
    )


def invoice_projections() -> list[Projection]:
    return [InvoiceLinesV2(), InvoicesV1()]


async def wire_invoices(host: ServiceHost) -> None:
    """Driver invoices and credit notes (eMSP): consumer group, projections and routes."""
    settings = host.settings
    assert isinstance(settings, BillingSettings)
    for projection in invoice_projections():
        host.add_projection(projection)
    host.add_consumer(policies(parse_parties(settings.own_parties)))
    host.app.include_router(router(host.pool))
    host.app.include_router(invoices_api.read_router(host.pool, settings.issuer_details))
    host.app.include_router(invoices_api.admin_router(host.pool, settings.admin_token))


def settlement(own_parties: frozenset[Party]) -> Consumer:
    """cdr.issued of a partner's token becomes a line of its eMSP's settlement statement, and
    a delivered push of a CDR marks it SENT; the two topics are not ordered together."""
    return Consumer(
        group="evroam.billing.settlement",
        topics=[events_topic("cdr"), events_topic("roaming")],
        handlers={
            CdrIssued.type_name: settlement_policies.on_cdr_issued(own_parties),
            PushAttempted.type_name: settlement_policies.on_push_attempted,
        },
        service="billing",
        wants=settlement_policies.acted_on,
    )


async def wire_settlement(host: ServiceHost) -> None:
    """Settlement statements (CPO): their own consumer group, projection and routes."""
    settings = host.settings
    assert isinstance(settings, BillingSettings)
    host.add_projection(StatementLinesV1())
    host.add_consumer(settlement(parse_parties(settings.own_parties)))
    host.app.include_router(statements_api.read_router(host.pool))
    host.app.include_router(statements_api.admin_router(host.pool, settings.admin_token))


async def wire(host: ServiceHost) -> None:
    await wire_invoices(host)
    await wire_settlement(host)


def run() -> int:
    return main("billing", BillingSettings, wire, sql_dir(__file__))
