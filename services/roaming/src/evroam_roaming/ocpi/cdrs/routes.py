"""CDRs module, Sender interface (CPO): `GET {cdrs}?date_from&date_to&offset&limit` (OCPI
2.2.1 section 3.3). There is no GET of a single CDR on the Sender; it is not offered."""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.cdrs.models import cdr_to_ocpi
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.lists import add_list_route
from evroam_roaming.ocpi.pagination import PageRequest

OK = 200


def router(ctx: OcpiContext) -> APIRouter:
    api = APIRouter()

    async def fetch(party: Party, page: PageRequest, now: datetime) -> tuple[int, list[Any]]:
        total, cdrs = await ctx.cdrs.page(party, page)
        return total, [cdr_to_ocpi(c) for c in cdrs]

    add_list_route(
        api,
        ctx,
        "cdrs",
        ctx.cdrs_url,
        fetch,
        "A page of the CDRs of the caller's drivers, oldest first.",
    )
    return api
