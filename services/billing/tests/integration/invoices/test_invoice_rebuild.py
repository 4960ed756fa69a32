"""The invoice read models are pure folds of the log: the service's own
`POST /admin/projections/verify` rebuilds them from the beginning into scratch tables and finds
them equal to the live ones, invoice and credit-note numbers included (they are in the events,
never drawn again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_billing.app import wire_invoices
from evroam_billing.settings import BillingSettings
from evroam_contracts.cdr import Cdr
from evroam_eventstore.projections import ProjectionRunner
from evroam_runtime import ServiceHost

MakeCdr = Callable[..., Cdr]
Feed = Any
ADMIN = "admin-s3cret"


async def everything(feed: Feed, driver_cdr: MakeCdr, http: httpx.AsyncClient, admin: Any) -> None:
    """Both sources, a negative line, a close, a late CDR, a credit note, a per-session
    contract, and a CDR of another party's token."""
    await feed.issue(driver_cdr("CDR-1"))
    await feed.issue(driver_cdr("CDR-2", total="1.00", incl="1.21"))
    await feed.receive(driver_cdr("BEC-1", cpo=("BE", "BEC"), country="BEL", total="2.875",
                                  incl="3.47875"))  # fmt: skip
    await feed.issue(driver_cdr("CDR-2-C", total="-1.00", incl="-1.21", credit=True,
                                credit_reference_id="CDR-2"))  # fmt: skip
    await http.post("/admin/invoices/close", json={"period": "2026-03"}, headers=admin)
    await feed.issue(driver_cdr("CDR-LATE", end="2026-03-31T08:00:00Z"))
    await feed.issue(driver_cdr("CDR-1-C", total="-3.59", incl="-4.34", credit=True,
                                credit_reference_id="CDR-1"))  # fmt: skip
    await http.put("/admin/contracts/NL-EVR-S1/billing", json={"mode": "per_session"},
                   headers=admin)  # fmt: skip
    await feed.issue(driver_cdr("CDR-S1", contract_id="NL-EVR-S1"))


async def test_verify_finds_the_rebuilt_invoice_read_models_equal_numbers_included(
    feed: Feed,
    driver_cdr: MakeCdr,
    make_cdr: MakeCdr,
    http: httpx.AsyncClient,
    admin: dict[str, str],
    pool: AsyncConnectionPool,
    database_url: str,
) -> None:
    await everything(feed, driver_cdr, http, admin)
    await feed.issue(make_cdr("CDR-TNM"))
    host = ServiceHost("billing", BillingSettings(database_url=database_url, admin_token=ADMIN))
    host._pool = pool  # what ServiceHost.run does before it wires the service
    await wire_invoices(host)
    runner = ProjectionRunner(pool, database_url, host.projections)
    await runner.setup()
    while await runner.step():
        pass

    transport = httpx.ASGITransport(app=host.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        verified = (await client.post("/admin/projections/verify", headers=admin)).json()
        numbers = [i["number"] for i in (await client.get("/invoices")).json() if "number" in i]
        notes = [n["number"] for n in (await client.get("/credit-notes")).json()]

    assert verified["equal"], verified
    reports = {p["projection"]: p for p in verified["projections"]}
    assert set(reports) == {"invoice_lines_v2", "invoices_v1"}
    assert all(r["events_replayed"] > 0 for r in reports.values())
    assert sorted(numbers + notes) == [f"NL-EVR-2026-00000{n}" for n in (1, 2, 3)]
    assert feed.dead_letters == []
