"""The review queue over HTTP (admin token required): list the CDRs held for review, inspect
one with its reasons and the session's evidence, release it (corrected, accepting reasons by
code) or reject it. A held CDR is never sent to anyone until it is released."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from evroam_cdr.adapters.http import json_response
from evroam_cdr.adapters.ocpi_json import ocpi_cdr
from evroam_cdr.domain.checks import Policy
from evroam_cdr.domain.decider import CdrEvent
from evroam_cdr.domain.errors import CorrectionError, NotHeldError, ReviewStillFailingError
from evroam_cdr.handlers.reviews import ReviewNotFoundError, handle_reject, handle_release
from evroam_contracts.cdr import CdrIssued
from evroam_runtime.http import require_admin

ReviewStatus = Literal["HELD", "RELEASED", "REJECTED", "SUPERSEDED"]
SUMMARY = (
    "cdr_id, session_id, status, session_revision, reason_codes, reasons, held_at, decided_at,"
    " reviewer, replaces, cdr->'cdr_token'->>'uid' AS token_uid,"
    " cdr->'cdr_location'->>'id' AS location_id, cdr->'total_cost' AS total_cost,"
    " cdr->>'total_energy' AS total_energy, cdr->>'currency' AS currency"
)


class Release(BaseModel):
    reviewer: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=1000)
    accept: tuple[str, ...] = Field(default=(), description="reason codes accepted as they are")
    corrections: dict[str, Any] | None = Field(
        default=None, description="CDR fields to replace, in OCPI JSON; costs follow the periods"
    )


class Reject(BaseModel):
    reviewer: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=1000)


def _outcome(events: list[CdrEvent]) -> dict[str, Any]:
    issued = [e.cdr for e in events if isinstance(e, CdrIssued)]
    return {
        "events": [e.type_name for e in events],
        "issued": [ocpi_cdr(c.model_dump(mode="json")) for c in issued],
    }


def router(pool: AsyncConnectionPool, policy: Policy, admin_token: str | None) -> APIRouter:
    api = APIRouter(dependencies=[Depends(require_admin(admin_token))])

    @api.get("/reviews")
    async def reviews(
        status: ReviewStatus | None = "HELD",
        session_id: str | None = None,
        held_from: Annotated[datetime | None, Query(description="held at/after")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        """Reviews oldest first (status HELD by default); X-Total-Count says how many."""
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT {SUMMARY}, count(*) OVER () AS total FROM view_cdr_reviews_v1"
                " WHERE (%(s)s::text IS NULL OR status = %(s)s)"
                " AND (%(sid)s::text IS NULL OR session_id = %(sid)s)"
                " AND (%(f)s::timestamptz IS NULL OR held_at >= %(f)s)"
                " ORDER BY held_at, cdr_id OFFSET %(o)s LIMIT %(n)s",
                {"s": status, "sid": session_id, "f": held_from, "o": offset, "n": limit},
            )
            rows = await cur.fetchall()
        total = rows[0]["total"] if rows else 0
        for row in rows:
            del row["total"]
        return json_response(rows, headers={"X-Total-Count": str(total)})

    @api.get("/reviews/{cdr_id}")
    async def review(cdr_id: str) -> Response:
        """One review: the CDR as it would be issued, why it was held, the session's evidence
        (meter start/stop, its cost, its warnings) and what became of it."""
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute("SELECT * FROM view_cdr_reviews_v1 WHERE cdr_id = %s", (cdr_id,))
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, f"no CDR {cdr_id} was held for review")
        return json_response({**row, "cdr": ocpi_cdr(row["cdr"])})

    @api.post("/reviews/{cdr_id}/release")
    async def release(cdr_id: str, body: Release) -> Response:
        try:
            events = await handle_release(
                pool,
                policy,
                cdr_id,
                reviewer=body.reviewer,
                note=body.note,
                accept=body.accept,
                corrections=body.corrections,
            )
        except ReviewStillFailingError as exc:
            reasons = [r.model_dump() for r in exc.reasons]
            return json_response({"detail": str(exc), "reasons": reasons}, status_code=409)
        except CorrectionError as exc:
            raise HTTPException(422, str(exc)) from exc
        except (ReviewNotFoundError, NotHeldError) as exc:
            raise _not_held(exc) from exc
        return json_response(_outcome(events))

    @api.post("/reviews/{cdr_id}/reject")
    async def reject(cdr_id: str, body: Reject) -> Response:
        try:
            events = await handle_reject(pool, cdr_id, reviewer=body.reviewer, reason=body.reason)
        except (ReviewNotFoundError, NotHeldError) as exc:
            raise _not_held(exc) from exc
        return json_response(_outcome(events))

    return api


def _not_held(exc: LookupError) -> HTTPException:
    """404 when no such review ever existed; 409 when it exists but is decided already."""
    return HTTPException(404 if isinstance(exc, ReviewNotFoundError) else 409, str(exc))
