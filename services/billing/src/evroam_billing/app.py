"""Composition root of the billing service."""

from __future__ import annotations

from evroam_billing.adapters.http import router
from evroam_billing.handlers.policies import on_cdr_issued
from evroam_billing.projections.invoice_lines import InvoiceLinesV1
from evroam_billing.settings import BillingSettings
from evroam_contracts.cdr import CdrIssued
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer
from evroam_runtime import ServiceHost, main, sql_dir


def policies() -> Consumer:
    """cdr.issued becomes an invoice line; a CDR that cannot be billed goes to
    evroam.billing.dlq."""
    return Consumer(
        group="evroam.billing.policies",
        topics=[events_topic("cdr")],
        handlers={CdrIssued.type_name: on_cdr_issued},
        service="billing",
    )


async def wire(host: ServiceHost) -> None:
    host.add_projection(InvoiceLinesV1())
    host.add_consumer(policies())
    host.app.include_router(router(host.pool))


def run() -> int:
    return main("billing", BillingSettings, wire, sql_dir(__file__))
