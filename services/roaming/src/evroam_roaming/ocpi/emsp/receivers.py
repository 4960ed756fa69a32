"""Our eMSP Receiver interfaces for the objects partner CPOs own (OCPI 2.2.1 sections
3.1-3.4), under `/ocpi/emsp/2.2.1/<module>/`. Every route answers CPOs and hubs only
(receiving.cpo_caller)."""

from fastapi import APIRouter

from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.emsp import cdrs, locations, sessions, tariffs
from evroam_roaming.ocpi.emsp.receiving import ReceiverStore


def router(ctx: OcpiContext, store: ReceiverStore) -> APIRouter:
    api = APIRouter()
    for module in (locations, sessions, cdrs, tariffs):
        api.include_router(module.router(ctx, store))
    return api
