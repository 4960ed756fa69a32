"""The invoice HTTP API over the read models: lists, invoices and credit notes as JSON and as
printable HTML (hostile text from CDRs escaped), a contract's billing mode and the close of a
month (admin token), and the invoice lines the flow tests wait for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from evroam_contracts.cdr import Cdr

MakeCdr = Callable[..., Cdr]
Feed = Any
C = "NL-EVR-C12345678-X"
MARCH = f"INV-{C}-2026-03"
HOSTILE = '<script>alert("pwned")</script>'


async def a_month(feed: Feed, driver_cdr: MakeCdr) -> None:
    """March: a Dutch CDR, a Belgian one of a partner CPO with a hostile location name, and a
    German one at 19 %."""
    await feed.issue(driver_cdr("CDR-1"))
    await feed.receive(
        driver_cdr("BEC-7", cpo=("BE", "BEC"), country="BEL", city="Gent & Co",
                   location_name=HOSTILE, total="10.00", incl="12.10")
    )  # fmt: skip
    await feed.issue(driver_cdr("CDR-3", country="DEU", total="20.00", incl="23.80"),
                     "Europe/Berlin")  # fmt: skip


async def test_an_open_invoice_shows_its_lines_vat_per_rate_and_totals(
    feed: Feed, driver_cdr: MakeCdr, http: httpx.AsyncClient
) -> None:
    await a_month(feed, driver_cdr)
    await feed.fold()

    invoice = (await http.get(f"/invoices/{MARCH}")).json()

    assert (invoice["status"], invoice["issuer"], invoice["contract_id"]) == ("OPEN", "NL*EVR", C)
    assert "number" not in invoice
    assert [(line["line_no"], line["country"], line["vat_rate"]) for line in invoice["lines"]] == [
        (1, "NLD", "21"),
        (2, "BEL", "21"),
        (3, "DEU", "19"),
    ]
    assert invoice["vat"] == [
        {"currency": "EUR", "country": "BEL", "rate": "21", "excl_vat": "10.00",
         "vat": "2.10", "incl_vat": "12.10"},
        {"currency": "EUR", "country": "DEU", "rate": "19", "excl_vat": "20.00",
         "vat": "3.80", "incl_vat": "23.80"},
        {"currency": "EUR", "country": "NLD", "rate": "21", "excl_vat": "3.59",
         "vat": "0.75", "incl_vat": "4.34"},
    ]  # fmt: skip
    assert invoice["totals"] == {
        "EUR": {"lines": 3, "energy_kwh": "37.035", "excl_vat": "33.59", "vat": "6.65",
                "incl_vat": "40.24"}
    }  # fmt: skip


async def test_a_closed_month_lists_issued_invoices_with_their_numbers(
    feed: Feed, driver_cdr: MakeCdr, http: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await a_month(feed, driver_cdr)
    await feed.issue(driver_cdr("CDR-9", contract_id="NL-EVR-OTHER"))

    refused = await http.post("/admin/invoices/close", json={"period": "2026-03"})
    closed = await http.post("/admin/invoices/close", json={"period": "2026-03"}, headers=admin)
    again = await http.post("/admin/invoices/close", json={"period": "2026-03"}, headers=admin)
    too_early = await http.post("/admin/invoices/close", json={"period": "2026-04"}, headers=admin)
    await feed.fold()
    listed = (await http.get("/invoices", params={"period": "2026-03", "status": "ISSUED"})).json()
    mine = (await http.get("/invoices", params={"contract_id": C})).json()
    invoice = (await http.get(f"/invoices/{MARCH}")).json()

    assert refused.status_code == 401
    assert [i["number"] for i in closed.json()["issued"]] == [
        "NL-EVR-2026-000001",
        "NL-EVR-2026-000002",
    ]
    assert again.json()["issued"] == []
    assert too_early.status_code == 409
    assert [(i["invoice_id"], i["number"]) for i in listed] == [
        (MARCH, "NL-EVR-2026-000001"),
        ("INV-NL-EVR-OTHER-2026-03", "NL-EVR-2026-000002"),
    ]
    assert [i["invoice_id"] for i in mine] == [MARCH]
    assert (invoice["status"], invoice["number"], invoice["issue_date"]) == (
        "ISSUED",
        "NL-EVR-2026-000001",
        "2026-04-02",
    )
    assert invoice["totals"]["EUR"]["incl_vat"] == "40.24"


async def test_the_printable_invoice_shows_the_figures_and_escapes_what_cdrs_say(
    feed: Feed, driver_cdr: MakeCdr, http: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await a_month(feed, driver_cdr)
    draft = await feed.fold() and await http.get(f"/invoices/{MARCH}.html")
    await http.post("/admin/invoices/close", json={"period": "2026-03"}, headers=admin)
    await feed.fold()

    page = await http.get(f"/invoices/{MARCH}.html")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for shown in ("NL-EVR-2026-000001", "2026-04-02", C, "evroam B.V.", "VAT NL000099998B57",
                  "40.24 EUR", "6.65 EUR", "33.59 EUR", "19 %", "Keizersgracht 1", "12.345",
                  "2026-03-10<br>09:00\u201311:00", "@page"):  # fmt: skip
        assert shown in html, shown
    assert HOSTILE not in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    assert "Gent &amp; Co" in html
    assert "Draft: not issued yet" in draft.text
    assert "Draft" not in html
    assert (await http.get("/invoices/INV-nobody.html")).status_code == 404


async def test_a_credit_note_has_its_own_document_referencing_the_invoice(
    feed: Feed, driver_cdr: MakeCdr, http: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await a_month(feed, driver_cdr)
    await http.post("/admin/invoices/close", json={"period": "2026-03"}, headers=admin)
    await feed.receive(
        driver_cdr("BEC-7-C", cpo=("BE", "BEC"), country="BEL", city="Gent & Co",
                   location_name=HOSTILE, total="-10.00", incl="-12.10", credit=True,
                   credit_reference_id="BEC-7")
    )  # fmt: skip
    await feed.fold()

    [listed] = (await http.get("/credit-notes", params={"contract_id": C})).json()
    note = (await http.get(f"/credit-notes/{listed['credit_note_id']}")).json()
    page = (await http.get(f"/credit-notes/{listed['credit_note_id']}.html")).text
    invoice = (await http.get(f"/invoices/{MARCH}")).json()
    invoice_page = (await http.get(f"/invoices/{MARCH}.html")).text

    assert (note["number"], note["invoice_number"]) == ("NL-EVR-2026-000002", "NL-EVR-2026-000001")
    assert "Credited by</dt><dd>NL-EVR-2026-000002" in invoice_page
    [line] = note["lines"]
    assert (line["cdr_id"], line["credited_cdr_id"], line["amount"]) == (
        "BEC-7-C",
        "BEC-7",
        {"excl_vat": "-10.00", "incl_vat": "-12.10"},
    )
    assert note["totals"]["EUR"] == {
        "lines": 1, "energy_kwh": "-12.345", "excl_vat": "-10.00", "vat": "-2.10",
        "incl_vat": "-12.10",
    }  # fmt: skip
    assert invoice["credit_notes"] == [
        {"credit_note_id": listed["credit_note_id"], "number": "NL-EVR-2026-000002"}
    ]
    assert invoice["totals"]["EUR"]["incl_vat"] == "40.24"  # the issued invoice never changes
    assert "Credit note" in page
    assert "NL-EVR-2026-000001" in page
    assert "-12.10 EUR" in page
    assert HOSTILE not in page
    assert (await http.get("/credit-notes/CN-nobody")).status_code == 404


async def test_a_contract_set_to_per_session_gets_each_cdr_invoiced_at_once(
    feed: Feed, driver_cdr: MakeCdr, http: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    path = f"/admin/contracts/{C}/billing"
    refused = await http.put(path, json={"mode": "per_session"})
    bad = await http.put(path, json={"mode": "weekly"}, headers=admin)
    changed = await http.put(path, json={"mode": "per_session"}, headers=admin)
    same = await http.put(path, json={"mode": "per_session"}, headers=admin)

    await feed.issue(driver_cdr("CDR-1"))
    await feed.fold()
    [invoice] = (await http.get("/invoices", params={"contract_id": C})).json()

    assert (refused.status_code, bad.status_code) == (401, 422)
    assert (changed.json()["changed"], same.json()["changed"]) == (True, False)
    assert (invoice["invoice_id"], invoice["mode"], invoice["status"], invoice["number"]) == (
        f"{MARCH}-1",
        "per_session",
        "ISSUED",
        "NL-EVR-2026-000001",
    )


async def test_the_lines_of_a_cdr_are_found_by_its_id(
    feed: Feed, driver_cdr: MakeCdr, http: httpx.AsyncClient
) -> None:
    await a_month(feed, driver_cdr)
    await feed.fold()

    [line] = (await http.get("/invoice-lines", params={"cdr_id": "CDR-3"})).json()
    of_contract = (await http.get("/invoice-lines", params={"contract_id": C})).json()

    assert (line["invoice_id"], line["line_no"], line["billing_period"]) == (MARCH, 3, "2026-03")
    assert line["amount"] == {"excl_vat": "20.00", "incl_vat": "23.80"}
    assert line["location"]["city"] == "Amsterdam"
    assert line["time_zone"] == "Europe/Berlin"
    assert [x["cdr_id"] for x in of_contract] == ["CDR-1", "BEC-7", "CDR-3"]  # same end
