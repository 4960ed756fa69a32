"""Sessions module, Sender interface (CPO; OCPI 2.2.1 section 3.2):
`GET {sessions}?date_from&date_to&offset&limit`.

A partner sees the sessions of its own drivers only (their `cdr_token` belongs to its party),
as for CDRs. The Sender has no GET of one session, so none is offered (an unknown path: HTTP
404 for everyone alike). `date_from` is marked required in the module's table but optional in
the pagination rules every list follows (section 1.8); a request without it gets every session
from the beginning rather than an error. PUT `{sessions}/{id}/charging_preferences` is not
offered: no EVSE of ours declares CHARGING_PREFERENCES_CAPABLE.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.lists import add_list_route
from evroam_roaming.ocpi.pagination import PageRequest
from evroam_roaming.ocpi.sessions.models import SessionSource, session_to_ocpi

OK = 200


def router(ctx: OcpiContext, sessions: SessionSource) -> APIRouter:
    api = APIRouter()

    async def fetch(party: Party, page: PageRequest, now: datetime) -> tuple[int, list[Any]]:
        total, found = await sessions.page(party, page)
        return total, [session_to_ocpi(s) for s in found]

    doc = "A page of the sessions of the caller's drivers, oldest last_updated first."
    add_list_route(api, ctx, "sessions", ctx.sessions_url, fetch, doc)
    return api
