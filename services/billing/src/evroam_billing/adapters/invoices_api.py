"""Driver invoices and credit notes over HTTP: lists, one as JSON, one as printable HTML; and,
with the admin token, a contract's billing mode and the close of a billing month.

Money and energy are decimal strings in JSON (exact, as on our wire)."""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from evroam_billing.adapters import invoice_queries as q
from evroam_billing.adapters.invoice_html import credit_note_html, invoice_html
from evroam_billing.adapters.invoice_json import credit_note_json, invoice_json, invoice_summary
from evroam_billing.domain.decider import SetBillingMode
from evroam_billing.domain.errors import InvalidPeriodError, PeriodNotEndedError
from evroam_billing.handlers.commands import Causes, execute, handle_close_period
from evroam_contracts.billing import BillingMode
from evroam_runtime.http import require_admin

PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
Clock = Callable[[], datetime]


class BillingModeBody(BaseModel):
    mode: BillingMode


class CloseBody(BaseModel):
    period: str = Field(pattern=PERIOD, examples=["2026-03"])


def _utc_now() -> datetime:
    return datetime.now(UTC)


def read_router(pool: AsyncConnectionPool, issuer_details: Mapping[str, str]) -> APIRouter:
    api = APIRouter(tags=["invoices"])

    async def invoice_doc(invoice_id: str) -> dict[str, Any]:
        async with pool.connection() as conn:
            header = await q.invoice(conn, invoice_id)
            if header is None:
                raise HTTPException(404, f"invoice {invoice_id} not found")
            lines = await q.lines_of_invoice(conn, invoice_id)
            notes = await q.credit_notes(conn, contract_id=None, invoice_id=invoice_id, limit=1000)
        return invoice_json(header, lines, notes)

    async def credit_note_doc(credit_note_id: str) -> dict[str, Any]:
        async with pool.connection() as conn:
            row = await q.credit_note(conn, credit_note_id)
        if row is None:
            raise HTTPException(404, f"credit note {credit_note_id} not found")
        return credit_note_json(row)

    @api.get("/invoices")
    async def list_invoices(
        contract_id: str | None = None,
        period: str | None = Query(None, pattern=PERIOD),
        status: Literal["OPEN", "ISSUED"] | None = None,
        limit: int = Query(100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        """Invoices, by billing period and contract."""
        async with pool.connection() as conn:
            rows = await q.invoices(
                conn, contract_id=contract_id, period=period, status=status, limit=limit
            )
        return [invoice_summary(r) for r in rows]

    # Declared before /invoices/{invoice_id}, which would take "X.html" as an id.
    @api.get("/invoices/{invoice_id}.html", response_class=HTMLResponse)
    async def invoice_page(invoice_id: str) -> HTMLResponse:
        """The invoice as a printable page (a draft while it is open)."""
        doc = await invoice_doc(invoice_id)
        return HTMLResponse(invoice_html(doc, issuer_details.get(doc["issuer"])))

    @api.get("/invoices/{invoice_id}")
    async def get_invoice(invoice_id: str) -> dict[str, Any]:
        """Number, status, issuer, contract, period, lines, VAT per rate and totals."""
        return await invoice_doc(invoice_id)

    @api.get("/credit-notes")
    async def list_credit_notes(
        contract_id: str | None = None,
        invoice_id: str | None = None,
        limit: int = Query(100, ge=1, le=1000),
    ) -> list[dict[str, Any]]:
        async with pool.connection() as conn:
            rows = await q.credit_notes(
                conn, contract_id=contract_id, invoice_id=invoice_id, limit=limit
            )
        return [credit_note_json(r) for r in rows]

    @api.get("/credit-notes/{credit_note_id}.html", response_class=HTMLResponse)
    async def credit_note_page(credit_note_id: str) -> HTMLResponse:
        doc = await credit_note_doc(credit_note_id)
        return HTMLResponse(credit_note_html(doc, issuer_details.get(doc["issuer"])))

    @api.get("/credit-notes/{credit_note_id}")
    async def get_credit_note(credit_note_id: str) -> dict[str, Any]:
        return await credit_note_doc(credit_note_id)

    return api


def admin_router(
    pool: AsyncConnectionPool, admin_token: str | None, now: Clock = _utc_now
) -> APIRouter:
    api = APIRouter(tags=["invoices"], dependencies=[Depends(require_admin(admin_token))])

    @api.put("/admin/contracts/{contract_id}/billing")
    async def set_billing_mode(contract_id: str, body: BillingModeBody) -> dict[str, Any]:
        """Invoice the contract monthly or per charging session, from its next CDR on."""
        command = SetBillingMode(contract_id, body.mode)
        async with pool.connection() as conn, conn.transaction():
            events = await execute(conn, contract_id, command, now(), Causes())
        return {"contract_id": contract_id, "mode": body.mode, "changed": bool(events)}

    @api.post("/admin/invoices/close")
    async def close_period(body: CloseBody) -> dict[str, Any]:
        """Close a billing month: every open invoice of it is issued, with its number.
        Idempotent: closing it again issues nothing more."""
        try:
            issued = await handle_close_period(pool, body.period, now())
        except PeriodNotEndedError as exc:
            raise HTTPException(409, str(exc)) from exc
        except InvalidPeriodError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {
            "period": body.period,
            "issued": [
                {"invoice_id": i.invoice_id, "contract_id": i.contract_id, "number": i.number}
                for i in issued
            ],
        }

    return api
