"""The printable invoice is rendered from the JSON document alone: every value escaped, lines in
the location's local time, and VAT that is mixed or unknown shown as such."""

from __future__ import annotations

from typing import Any

from evroam_billing.adapters.invoice_html import credit_note_html, invoice_html

LINE: dict[str, Any] = {
    "line_no": 1,
    "cdr_id": "CDR-<1>",
    "description": "Charging at Rue <b>Neuve</b> 1, Bruxelles: 7.500 kWh",
    "note": "charged in 2026-02, after that month was closed",
    "energy_kwh": "7.500",
    "amount": {"excl_vat": "10.00"},
    "currency": "EUR",
    "started_at": "2026-03-28T23:30:00Z",
    "charged_at": "2026-03-29T01:30:00Z",
    "time_zone": "Europe/Brussels",
    "location": {"name": 'Q\'Park "Centre"', "address": "Rue Neuve 1", "city": "Bruxelles"},
    "country": "BEL",
    "vat": [{"rate": "0", "excl_vat": "2.00"}, {"rate": "21", "excl_vat": "8.00"}],
    "vat_note": "mixed VAT rates by cost dimension: 21 %, 0 %",
}
DOC: dict[str, Any] = {
    "invoice_id": "INV-C-2026-03",
    "status": "OPEN",
    "issuer": "NL*EVR",
    "contract_id": "C",
    "billing_period": "2026-03",
    "lines": [LINE],
    "vat": [{"currency": "EUR", "country": "BEL", "excl_vat": "10.00"}],
    "totals": {"EUR": {"lines": 1, "energy_kwh": "7.500", "excl_vat": "10.00"}},
}


def test_a_draft_shows_local_times_mixed_rates_and_unknown_vat_escaped() -> None:
    html = invoice_html(DOC)

    assert "Draft invoice" in html
    # 23:30 UTC on 28 March is 00:30 on the 29th in Brussels; summer time starts at 01:00 UTC,
    # so 01:30 UTC is 03:30: a two-hour session that the clock shows as three.
    assert "2026-03-29<br>00:30\u201303:30" in html
    assert "0 % + 21 %" in html
    assert "Total incl. VAT</td><td class=num>unknown" in html
    assert "Rue &lt;b&gt;Neuve&lt;/b&gt;" in html
    assert "Q&#x27;Park &quot;Centre&quot;" in html
    assert "CDR-&lt;1&gt;" in html
    assert "<b>" not in html


def test_a_credit_note_names_the_invoice_it_credits() -> None:
    note = {
        **DOC,
        "credit_note_id": "CN-C-1",
        "number": "NL-EVR-2026-000007",
        "issue_date": "2026-04-02",
        "invoice_number": "NL-EVR-2026-000003",
        "status": "ISSUED",
    }

    html = credit_note_html(note, "evroam B.V.\n<Amsterdam>")

    assert "<title>Credit note NL-EVR-2026-000007</title>" in html
    assert "Credits invoice</dt><dd>NL-EVR-2026-000003" in html
    assert "<strong>evroam B.V.</strong>\n&lt;Amsterdam&gt;" in html
