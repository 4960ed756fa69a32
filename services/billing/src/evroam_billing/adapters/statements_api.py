"""Settlement statements over HTTP: list, one as JSON (lines, states, history, totals), one as
CSV; and, with the admin token, what an operator records of the eMSP's answer: an
acknowledgement of the statement or of some CDRs, a dispute of a CDR, its resolution.

Money and energy are decimal strings in JSON (exact, as on our wire); totals are to the cent."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from evroam_billing.adapters import statement_queries as q
from evroam_billing.adapters.statement_csv import statement_csv, utc
from evroam_billing.domain.statement_decider import (
    AcknowledgeCdrs,
    DisputeCdr,
    OperatorCommand,
    ResolveDispute,
)
from evroam_billing.domain.statement_errors import InvalidPartyError, TransitionRefusedError
from evroam_billing.domain.statement_totals import (
    StatementTotal,
    state_counts,
    statement_totals,
)
from evroam_billing.domain.statements import Party, StatementEvent
from evroam_billing.handlers.statement_commands import handle_operator_command
from evroam_contracts.billing import StatementCdrStateChanged
from evroam_runtime.http import require_admin

PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


class Acknowledge(BaseModel):
    cdr_ids: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=10_000,
        description="only these CDRs; none: the whole statement",
    )
    note: str | None = Field(default=None, max_length=1000)


class Dispute(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class Resolve(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def total_json(t: StatementTotal) -> dict[str, Any]:
    return {
        "lines": t.lines,
        "energy_kwh": str(t.energy_kwh),
        "excl_vat": str(t.excl_vat),
        "incl_vat": _money(t.incl_vat),
        "open_excl_vat": str(t.open_excl_vat),
        "open_incl_vat": _money(t.open_incl_vat),
    }


def history_json(h: q.Row) -> dict[str, Any]:
    return {
        "previous_state": h["previous_state"],
        "state": h["state"],
        "reason": h["reason"],
        "partner_id": h["partner_id"],
        "credit_cdr_id": h["credit_cdr_id"],
        "changed_at": utc(h["changed_at"]),
    }


def line_json(row: q.Row, history: list[q.Row]) -> dict[str, Any]:
    """A line with its state and the changes that led to it (`history`, oldest first)."""
    return {
        "line_no": row["line_no"],
        "cdr_id": row["cdr_id"],
        "session_id": row["session_id"],
        "contract_id": row["contract_id"],
        "start_date_time": utc(row["start_date_time"]),
        "end_date_time": utc(row["end_date_time"]),
        "location_id": row["location_id"],
        "location_address": row["location_address"],
        "energy_kwh": str(row["energy_kwh"]),
        "amount": {
            "excl_vat": str(row["amount_excl_vat"]),
            "incl_vat": _money(row["amount_incl_vat"]),
        },
        "currency": row["currency"],
        "credit": row["credit"],
        "credit_reference_id": row["credit_reference_id"],
        "state": row["state"],
        "state_reason": row["state_reason"],
        "state_changed_at": utc(row["state_changed_at"]),
        "sent_to": row["sent_to"],
        "credited_by": row["credited_by"],
        "history": [history_json(h) for h in history],
    }


def summary_json(rows: list[q.Row]) -> dict[str, Any]:
    first, amounts = rows[0], [q.amounts(r) for r in rows]
    return {
        "statement_id": first["statement_id"],
        "emsp": str(Party(first["emsp_country_code"], first["emsp_party_id"])),
        "period": first["period"],
        "states": state_counts(amounts),
        "totals": {c: total_json(t) for c, t in statement_totals(amounts).items()},
    }


def _changes(events: list[StatementEvent], statement_id: str) -> dict[str, Any]:
    return {
        "statement_id": statement_id,
        "changed": [
            {"cdr_id": e.cdr_id, "previous_state": e.previous_state, "state": e.state}
            for e in events
            if isinstance(e, StatementCdrStateChanged)
        ],
    }


async def _lines(conn: AsyncConnection, statement_id: str) -> list[q.Row]:
    rows = await q.lines_of(conn, [statement_id])
    if not rows:
        raise HTTPException(404, f"statement {statement_id} not found")
    return rows


def read_router(pool: AsyncConnectionPool) -> APIRouter:
    api = APIRouter(tags=["statements"])

    @api.get("/statements")
    async def statements(
        emsp: Annotated[str | None, Query(description="eMSP party, e.g. NL*ABC")] = None,
        period: Annotated[str | None, Query(pattern=PERIOD, description="YYYY-MM")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> Response:
        """Statements with their state counts and totals, newest period first;
        X-Total-Count says how many match."""
        try:
            party = None if emsp is None else Party.parse(emsp)
        except InvalidPartyError as exc:
            raise HTTPException(422, str(exc)) from exc
        async with pool.connection() as conn:
            ids, total = await q.statement_ids(conn, party, period, offset, limit)
            rows = await q.lines_of(conn, ids)
        by_id: dict[str, list[q.Row]] = {}
        for row in rows:
            by_id.setdefault(row["statement_id"], []).append(row)
        body = [summary_json(by_id[i]) for i in ids]
        return JSONResponse(body, headers={"X-Total-Count": str(total)})

    @api.get("/statement-lines")
    async def statement_lines(cdr_id: Annotated[str, Query(min_length=1)]) -> list[dict[str, Any]]:
        """The statement lines of one CDR, with their state: where a CDR of a partner eMSP's
        driver was settled (the flow tests and `evroam demo` wait for it)."""
        async with pool.connection() as conn:
            rows = await q.lines_of_cdr(conn, cdr_id)
        return [
            {
                "statement_id": r["statement_id"],
                "emsp": f"{r['emsp_country_code']}*{r['emsp_party_id']}",
                "period": r["period"],
                **line_json(r, []),
            }
            for r in rows
        ]

    # Declared before /statements/{statement_id}, which would also match "<id>.csv".
    @api.get("/statements/{statement_id}.csv")
    async def statement_as_csv(statement_id: str) -> Response:
        async with pool.connection() as conn:
            rows = await _lines(conn, statement_id)
        totals = statement_totals([q.amounts(r) for r in rows])
        return Response(
            statement_csv(rows, totals),
            media_type="text/csv; charset=utf-8; header=present",
            headers={"Content-Disposition": f'attachment; filename="{statement_id}.csv"'},
        )

    @api.get("/statements/{statement_id}")
    async def statement(statement_id: str) -> dict[str, Any]:
        async with pool.connection() as conn:
            rows = await _lines(conn, statement_id)
            history = await q.history_of(conn, statement_id)
        of_cdr: dict[str, list[q.Row]] = {}
        for h in history:
            of_cdr.setdefault(h["cdr_id"], []).append(h)
        lines = [line_json(r, of_cdr.get(r["cdr_id"], [])) for r in rows]
        return summary_json(rows) | {"lines": lines}

    return api


def admin_router(pool: AsyncConnectionPool, admin_token: str | None) -> APIRouter:
    admin = APIRouter(
        prefix="/admin/statements",
        tags=["statements"],
        dependencies=[Depends(require_admin(admin_token))],
    )

    async def run(statement_id: str, command: OperatorCommand) -> dict[str, Any]:
        try:
            events = await handle_operator_command(pool, statement_id, command)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from exc
        except TransitionRefusedError as exc:
            raise HTTPException(409, str(exc)) from exc
        return _changes(events, statement_id)

    @admin.post("/{statement_id}/acknowledge")
    async def acknowledge(statement_id: str, body: Acknowledge | None = None) -> dict[str, Any]:
        """The eMSP acknowledged the statement, or only `cdr_ids`. Disputed and credited CDRs
        stay as they are when the whole statement is acknowledged, and refuse (409) when
        named."""
        body = body or Acknowledge()
        ids = None if body.cdr_ids is None else tuple(body.cdr_ids)
        return await run(statement_id, AcknowledgeCdrs(ids, body.note, datetime.now(UTC)))

    @admin.post("/{statement_id}/cdrs/{cdr_id}/dispute")
    async def dispute(statement_id: str, cdr_id: str, body: Dispute) -> dict[str, Any]:
        return await run(statement_id, DisputeCdr(cdr_id, body.reason, datetime.now(UTC)))

    @admin.post("/{statement_id}/cdrs/{cdr_id}/resolve")
    async def resolve(
        statement_id: str, cdr_id: str, body: Resolve | None = None
    ) -> dict[str, Any]:
        """The dispute is settled and the CDR stands: ACKNOWLEDGED. (A CDR found wrong is
        corrected by a credit CDR from the CDR service instead, which makes it CREDITED.)"""
        note = None if body is None else body.note
        return await run(statement_id, ResolveDispute(cdr_id, note, datetime.now(UTC)))

    return admin
