"""The statements API on a real PostgreSQL: lists, JSON and CSV read from the projection;
operators acknowledge, dispute and resolve with the admin token (404 unknown, 409 refused);
and the view rebuilt from the log, through the host's verify endpoint, equals the live one."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_billing.app import wire_settlement
from evroam_billing.settings import BillingSettings
from evroam_contracts.cdr import Cdr
from evroam_runtime import ServiceHost

SettlementFeed = Any  # conftest's; a fixture, not importable
PartnerCdr = Callable[..., Cdr]
STATEMENT = "STM-DE-TNM-2026-03"
ADMIN = {"Authorization": "Bearer admin-s3cret"}


async def a_month(feed: SettlementFeed, partner_cdr: PartnerCdr) -> None:
    """CDR-1 sent; CDR-2 issued; CDR-3 in CHF without VAT; CDR-4 credited by CDR-4-C and
    corrected by CDR-4-R; another eMSP's CDR-9."""
    await feed.issue(partner_cdr("CDR-1", contract_id="=cmd|' /C calc'!A0"))
    await feed.delivered("CDR-1")
    await feed.issue(partner_cdr("CDR-2", end="2026-03-20T12:00:00Z", total="1.10", incl="1.33"))
    await feed.issue(partner_cdr("CDR-3", total="2.00", incl=None, currency="CHF"))
    await feed.issue(partner_cdr("CDR-4", total="5.00", incl="6.05"))
    credit = {"credit": True, "credit_reference_id": "CDR-4"}
    await feed.issue(partner_cdr("CDR-4-C", total="-5.00", incl="-6.05", **credit))
    await feed.issue(partner_cdr("CDR-4-R", total="4.00", incl="4.84"))
    await feed.issue(partner_cdr("CDR-9", emsp="BE*ABC"), "Europe/Brussels")
    await feed.fold()


async def test_admin_commands_need_the_admin_token(
    feed: SettlementFeed, partner_cdr: PartnerCdr, http: httpx.AsyncClient
) -> None:
    await a_month(feed, partner_cdr)
    url = f"/admin/statements/{STATEMENT}"

    assert (await http.post(f"{url}/acknowledge")).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    body = {"reason": "x"}
    disputed = await http.post(f"{url}/cdrs/CDR-1/dispute", json=body, headers=wrong)
    assert disputed.status_code == 401
    assert (await http.post(f"{url}/cdrs/CDR-1/resolve")).status_code == 401
    assert await feed.states() == {
        "CDR-1": "SENT",
        "CDR-2": "ISSUED",
        "CDR-3": "ISSUED",
        "CDR-4": "CREDITED",
        "CDR-4-C": "ISSUED",
        "CDR-4-R": "ISSUED",
    }


async def test_operators_record_acknowledgements_disputes_and_resolutions(
    feed: SettlementFeed, partner_cdr: PartnerCdr, http: httpx.AsyncClient
) -> None:
    await a_month(feed, partner_cdr)
    url = f"/admin/statements/{STATEMENT}"

    disputed = await http.post(
        f"{url}/cdrs/CDR-2/dispute", json={"reason": "40 min, not 2 h"}, headers=ADMIN
    )
    some = await http.post(f"{url}/acknowledge", json={"cdr_ids": ["CDR-1"]}, headers=ADMIN)
    rest = await http.post(f"{url}/acknowledge", headers=ADMIN)
    again = await http.post(f"{url}/acknowledge", headers=ADMIN)
    resolved = await http.post(f"{url}/cdrs/CDR-2/resolve", json={"note": "ok"}, headers=ADMIN)

    assert disputed.json() == {
        "statement_id": STATEMENT,
        "changed": [{"cdr_id": "CDR-2", "previous_state": "ISSUED", "state": "DISPUTED"}],
    }
    assert [c["cdr_id"] for c in some.json()["changed"]] == ["CDR-1"]
    assert [c["cdr_id"] for c in rest.json()["changed"]] == ["CDR-3", "CDR-4-C", "CDR-4-R"]
    assert (again.status_code, again.json()["changed"]) == (200, [])
    assert resolved.json()["changed"][0]["state"] == "ACKNOWLEDGED"
    assert set((await feed.states()).values()) == {"ACKNOWLEDGED", "CREDITED"}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("STM-XX-NOP-2026-03/acknowledge", None, 404),
        ("not-a-statement/acknowledge", None, 404),
        (f"{STATEMENT}/cdrs/CDR-77/dispute", {"reason": "x"}, 404),
        (f"{STATEMENT}/cdrs/CDR-4/dispute", {"reason": "x"}, 409),
        (f"{STATEMENT}/cdrs/CDR-1/resolve", None, 409),
        (f"{STATEMENT}/acknowledge", {"cdr_ids": ["CDR-2", "CDR-4"]}, 409),
        (f"{STATEMENT}/cdrs/CDR-1/dispute", {"reason": ""}, 422),
    ],
)
async def test_unknown_statements_and_cdrs_are_404_and_refused_changes_are_409(
    feed: SettlementFeed,
    partner_cdr: PartnerCdr,
    http: httpx.AsyncClient,
    path: str,
    body: dict[str, Any] | None,
    status: int,
) -> None:
    await a_month(feed, partner_cdr)
    before = await feed.events()

    answer = await http.post(f"/admin/statements/{path}", json=body, headers=ADMIN)

    assert answer.status_code == status, answer.text
    assert await feed.events() == before


async def test_a_statement_as_json_has_its_lines_states_history_and_totals(
    feed: SettlementFeed, partner_cdr: PartnerCdr, http: httpx.AsyncClient
) -> None:
    await a_month(feed, partner_cdr)
    url = f"/admin/statements/{STATEMENT}/cdrs/CDR-2/dispute"
    await http.post(url, json={"reason": "too dear"}, headers=ADMIN)
    await feed.fold()

    statement = (await http.get(f"/statements/{STATEMENT}")).json()
    missing = await http.get("/statements/STM-XX-NOP-2026-03")

    lines = {line["cdr_id"]: line for line in statement["lines"]}
    assert (statement["emsp"], statement["period"]) == ("DE*TNM", "2026-03")
    assert list(lines) == ["CDR-1", "CDR-2", "CDR-3", "CDR-4", "CDR-4-C", "CDR-4-R"]
    assert (lines["CDR-1"]["state"], lines["CDR-1"]["sent_to"]) == ("SENT", "partner-tnm")
    assert (lines["CDR-2"]["state"], lines["CDR-2"]["state_reason"]) == ("DISPUTED", "too dear")
    assert [h["state"] for h in lines["CDR-2"]["history"]] == ["DISPUTED"]
    assert (lines["CDR-4"]["state"], lines["CDR-4"]["credited_by"]) == ("CREDITED", "CDR-4-C")
    assert lines["CDR-4-C"]["amount"] == {"excl_vat": "-5.00", "incl_vat": "-6.05"}
    assert statement["states"] == {
        "ISSUED": 3,
        "SENT": 1,
        "ACKNOWLEDGED": 0,
        "DISPUTED": 1,
        "CREDITED": 1,
    }
    assert statement["totals"]["EUR"] == {
        "lines": 5,
        "energy_kwh": "37.035",
        "excl_vat": "8.69",
        "incl_vat": "10.51",
        "open_excl_vat": "7.59",
        "open_incl_vat": "9.18",
    }
    assert statement["totals"]["CHF"]["incl_vat"] is None
    assert missing.status_code == 404


async def test_statements_are_listed_by_emsp_and_period(
    feed: SettlementFeed, partner_cdr: PartnerCdr, http: httpx.AsyncClient
) -> None:
    await a_month(feed, partner_cdr)

    everything = await http.get("/statements")
    of_tnm = (await http.get("/statements", params={"emsp": "de*tnm", "period": "2026-03"})).json()
    none = (await http.get("/statements", params={"period": "2026-02"})).json()
    bad = await http.get("/statements", params={"emsp": "nobody"})

    assert [s["statement_id"] for s in everything.json()] == [
        "STM-BE-ABC-2026-03",
        STATEMENT,
    ]
    assert everything.headers["X-Total-Count"] == "2"
    assert [(s["statement_id"], s["totals"]["EUR"]["lines"]) for s in of_tnm] == [(STATEMENT, 5)]
    assert none == []
    assert bad.status_code == 422


async def test_a_statement_as_csv_is_what_a_settlement_clerk_opens(
    feed: SettlementFeed, partner_cdr: PartnerCdr, http: httpx.AsyncClient
) -> None:
    await a_month(feed, partner_cdr)

    answer = await http.get(f"/statements/{STATEMENT}.csv")

    assert answer.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert f'filename="{STATEMENT}.csv"' in answer.headers["content-disposition"]
    assert answer.text.startswith("\ufeffline_no,cdr_id,")
    assert answer.text.count("\r\n") == 11  # header, 6 CDRs, TOTAL and OPEN of 2 currencies
    rows = list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"), newline="")))
    first = rows[0]
    assert first["contract_id"] == "'=cmd|' /C calc'!A0"  # a formula, escaped
    assert (first["start_date_time_utc"], first["end_date_time_utc"]) == (
        "2026-03-10T08:00:00Z",
        "2026-03-10T10:00:00Z",
    )
    assert (first["energy_kwh"], first["amount_excl_vat"], first["state"]) == (
        "12.345",
        "3.59",
        "SENT",
    )
    credit = rows[4]
    assert (credit["amount_excl_vat"], credit["credit_reference_id"]) == ("-5.00", "CDR-4")
    totals = {(r["line_no"], r["currency"]): r for r in rows[6:]}
    assert totals[("TOTAL", "EUR")]["amount_excl_vat"] == "8.69"
    assert totals[("OPEN", "EUR")]["amount_excl_vat"] == "8.69"
    assert totals[("TOTAL", "CHF")]["amount_incl_vat"] == ""
    assert (await http.get("/statements/STM-XX-NOP-2026-03.csv")).status_code == 404


async def test_the_statement_view_rebuilt_from_the_log_equals_the_live_one(
    feed: SettlementFeed,
    partner_cdr: PartnerCdr,
    http: httpx.AsyncClient,
    pool: AsyncConnectionPool,
) -> None:
    await a_month(feed, partner_cdr)
    url = f"/admin/statements/{STATEMENT}"
    await http.post(f"{url}/cdrs/CDR-2/dispute", json={"reason": "too dear"}, headers=ADMIN)
    await http.post(f"{url}/acknowledge", headers=ADMIN)
    await http.post(f"{url}/cdrs/CDR-2/resolve", headers=ADMIN)
    await feed.issue(partner_cdr("CDR-1"))  # published again: changes nothing
    await feed.delivered("CDR-2")  # a delivery after the acknowledgement: changes nothing
    await feed.fold()

    host = ServiceHost("billing", BillingSettings(admin_token="admin-s3cret"))
    host._pool = pool  # what run() opens; the host is not run here
    await wire_settlement(host)
    transport = httpx.ASGITransport(app=host.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        verified = (await client.post("/admin/projections/verify", headers=ADMIN)).json()

    [report] = verified["projections"]
    assert verified["equal"], report
    assert report["projection"] == "statement_lines_v1"
    assert report["events_replayed"] == 15
    assert set(report["live_checksums"]) == {
        "view_statement_lines_v1",
        "view_statement_line_history_v1",
    }
