"""Admin API: pull a partner CPO's Sender list now (we are its eMSP; OCPI 2.2.1 section 1.8),
e.g. after an outage (section 1.10) or to load a new partner's locations and tariffs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from evroam_roaming.domain.received import Module
from evroam_roaming.handlers.pull import NoSenderError, Puller
from evroam_runtime import require_admin

NOT_FOUND = 404


def router(puller: Puller, admin_token: str | None, default_limit: int = 100) -> APIRouter:
    api = APIRouter(prefix="/admin")
    admin = [Depends(require_admin(admin_token))]

    @api.post("/partners/{partner_id}/pull/{module}", dependencies=admin)
    async def pull(
        partner_id: str,
        module: Module,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = default_limit,
    ) -> dict[str, Any]:
        """GET every page of the partner's `module` Sender list (objects with `last_updated`
        from `date_from`, before `date_to`) and store each object as a push would. Answers
        what it did: pages, objects, stored, unchanged, rejected (with reasons), and `error`
        with `complete: false` when it had to stop early (what came before is kept)."""
        try:
            report = await puller.pull(
                partner_id, module, limit=limit, date_from=date_from, date_to=date_to
            )
        except NoSenderError as exc:
            raise HTTPException(NOT_FOUND, str(exc)) from exc
        return report.as_json()

    return api
