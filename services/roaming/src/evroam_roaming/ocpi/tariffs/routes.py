"""Tariffs module, Sender interface (CPO; OCPI 2.2.1 section 3.4):
`GET {tariffs}?date_from&date_to&offset&limit`. The Sender has no GET of one tariff.

A tariff assigned only to named eMSPs (the tariff service's per-eMSP assignments) is shown to
those eMSPs alone; one assigned to every eMSP, or not assigned yet, to every partner.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.

from fastapi import APIRouter

from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.lists import add_list_route
from evroam_roaming.ocpi.tariffs.models import TariffSource

OK = 200


def router(ctx: OcpiContext, tariffs: TariffSource) -> APIRouter:
    api = APIRouter()
    doc = "A page of the tariffs in force that the caller may see, oldest last_updated first."
    add_list_route(api, ctx, "tariffs", ctx.tariffs_url, tariffs.page, doc)
    return api
