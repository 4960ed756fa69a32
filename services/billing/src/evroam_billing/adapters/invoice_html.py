"""Printable HTML of an invoice or a credit note, from its JSON document (invoice_json.py), so
the page shows exactly the figures of the API. Everything that comes from a document is
escaped: location names, addresses and ids come from CPOs' CDRs, which we do not control.
Print CSS gives an A4 page; a browser's "print to PDF" makes the PDF (ADR 0021)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Doc = Mapping[str, Any]

_CSS = """
:root { font-family: "Helvetica Neue", Arial, sans-serif; color: #111; font-size: 11pt; }
body { margin: 0; background: #f3f3f3; }
main { background: #fff; max-width: 210mm; margin: 1em auto; padding: 16mm 14mm; }
header { display: flex; justify-content: space-between; gap: 2em; margin-bottom: 2em; }
.issuer { white-space: pre-line; }
h1 { font-size: 20pt; margin: 0 0 .4em; } h2 { font-size: 12pt; margin: 1.6em 0 .4em; }
dl { display: grid; grid-template-columns: auto auto; gap: .15em 1em; margin: 0; }
dt { color: #555; } dd { margin: 0; font-weight: 600; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .35em .4em; border-bottom: 1px solid #ddd;
         vertical-align: top; }
th { font-size: 9pt; text-transform: uppercase; color: #555; border-bottom: 2px solid #111; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; } .small { font-size: 9pt; color: #555; }
.flag { color: #a40000; font-size: 9pt; }
.draft { color: #a40000; font-weight: 700; text-transform: uppercase; }
table.totals { width: auto; margin-left: auto; } .totals td { border: 0; }
.totals tr.grand td { border-top: 2px solid #111; font-weight: 700; }
footer { margin-top: 2em; font-size: 9pt; color: #555; }
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { background: #fff; } main { margin: 0; padding: 0; max-width: none; }
  thead { display: table-header-group; } tr { page-break-inside: avoid; }
}
"""


def e(value: object) -> str:
    return "" if value is None else escape(str(value), quote=True)


def _local(at: str | None, zone: str | None) -> datetime | None:
    if at is None:
        return None
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    try:
        return moment.astimezone(ZoneInfo(zone)) if zone else moment
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def when(line: Doc) -> str:
    """The session's local start and end: the time the driver saw at the charger."""
    start = _local(line.get("started_at"), line.get("time_zone"))
    end = _local(line.get("charged_at"), line.get("time_zone"))
    assert end is not None
    if start is None:
        return f"{end:%Y-%m-%d %H:%M}"
    to = f"{end:%H:%M}" if start.date() == end.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}\u2013{to}"


def where(line: Doc) -> str:
    loc = line.get("location") or {}
    name = f"<strong>{e(loc['name'])}</strong><br>" if loc.get("name") else ""
    place = ", ".join(e(p) for p in (loc.get("address"), loc.get("postal_code"), loc.get("city"),
                                     line.get("country")) if p)  # fmt: skip
    evse = f"<br><span class=small>EVSE {e(loc['evse_id'])}</span>" if loc.get("evse_id") else ""
    return f"{name}{place}{evse}"


def _rate(rate: object) -> str:
    return "unknown" if rate is None else f"{e(rate)} %"


def _line_rate(line: Doc) -> str:
    if line.get("vat_rate") is not None:
        return _rate(line["vat_rate"])
    parts = line.get("vat") or []
    return " + ".join(_rate(p.get("rate")) for p in parts) or "unknown"


def line_row(line: Doc) -> str:
    cur, amount = e(line["currency"]), line["amount"]
    notes = [f"<div class=small>{e(line['note'])}</div>"] if line.get("note") else []
    if line.get("vat_note"):
        notes.append(f"<div class=flag>VAT check: {e(line['vat_note'])}</div>")
    incl = f"{e(amount['incl_vat'])} {cur}" if amount.get("incl_vat") is not None else "unknown"
    return (
        f"<tr><td>{e(line['line_no'])}</td>"
        f"<td class=nowrap>{e(when(line)).replace(' ', '<br>', 1)}</td><td>{where(line)}</td>"
        f"<td>{e(line['description'])}<div class=small>CDR {e(line['cdr_id'])}</div>"
        f"{''.join(notes)}</td>"
        f"<td class=num>{e(line['energy_kwh'])}</td>"
        f"<td class=num>{e(amount['excl_vat'])} {cur}</td>"
        f"<td class=num>{_line_rate(line)}</td><td class=num>{incl}</td></tr>"
    )


def _amount(value: object, currency: str) -> str:
    return "unknown" if value is None else f"{e(value)} {e(currency)}"


def vat_rows(rows: Iterable[Doc]) -> str:
    return "".join(
        f"<tr><td>{e(r.get('country') or '')}</td><td class=num>{_rate(r.get('rate'))}</td>"
        f"<td class=num>{_amount(r['excl_vat'], r['currency'])}</td>"
        f"<td class=num>{_amount(r.get('vat'), r['currency'])}</td>"
        f"<td class=num>{_amount(r.get('incl_vat'), r['currency'])}</td></tr>"
        for r in rows
    )


def totals_rows(totals: Mapping[str, Doc]) -> str:
    out = []
    for currency, t in totals.items():
        out.append(
            f"<tr><td>Total excl. VAT</td>"
            f"<td class=num>{_amount(t['excl_vat'], currency)}</td></tr>"
            f"<tr><td>VAT</td><td class=num>{_amount(t.get('vat'), currency)}</td></tr>"
            f"<tr class=grand><td>Total incl. VAT</td>"
            f"<td class=num>{_amount(t.get('incl_vat'), currency)}</td></tr>"
        )
    return "".join(out)


def _facts(facts: Iterable[tuple[str, object]]) -> str:
    return "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts if v is not None)


def _page(title: str, head: str, doc: Doc, issuer_details: str | None) -> str:
    lines = "".join(line_row(line) for line in doc["lines"])
    name, _, rest = (issuer_details or doc["issuer"]).partition("\n")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title><style>{_CSS}</style></head>
<body><main>
<header><div class="issuer"><strong>{e(name)}</strong>\n{e(rest)}</div><div>{head}</div></header>
<table class="lines"><thead><tr><th>#</th><th>When (local)</th><th>Where</th><th>What</th>
<th class=num>kWh</th><th class=num>Excl. VAT</th><th class=num>VAT</th>
<th class=num>Incl. VAT</th></tr></thead><tbody>{lines}</tbody></table>
<h2>VAT by country and rate</h2>
<table class="vat"><thead><tr><th>Country</th><th class=num>Rate</th><th class=num>Excl. VAT</th>
<th class=num>VAT</th><th class=num>Incl. VAT</th></tr></thead>
<tbody>{vat_rows(doc["vat"])}</tbody></table>
<h2>Totals</h2><table class="totals"><tbody>{totals_rows(doc["totals"])}</tbody></table>
<footer>VAT is that of the country where the charging took place, as the charge point
operator's charge detail record (CDR) states it. Issuer {e(doc["issuer"])}.</footer>
</main></body></html>
"""


def invoice_html(doc: Doc, issuer_details: str | None = None) -> str:
    issued = doc["status"] == "ISSUED"
    title = f"Invoice {doc['number']}" if issued else f"Draft invoice {doc['invoice_id']}"
    facts = _facts(
        [
            ("Invoice number", doc.get("number")),
            ("Issue date", doc.get("issue_date")),
            ("Billing period", doc["billing_period"]),
            ("Contract", doc["contract_id"]),
            ("Invoice id", doc["invoice_id"]),
            ("Credited by", ", ".join(n["number"] for n in doc.get("credit_notes", ())) or None),
        ]
    )
    draft = "" if issued else "<p class=draft>Draft: not issued yet</p>"
    head = f"<h1>{'Invoice' if issued else 'Draft invoice'}</h1>{draft}<dl>{facts}</dl>"
    return _page(title, head, doc, issuer_details)


def credit_note_html(doc: Doc, issuer_details: str | None = None) -> str:
    facts = _facts(
        [
            ("Credit note number", doc["number"]),
            ("Issue date", doc["issue_date"]),
            ("Credits invoice", doc["invoice_number"]),
            ("Billing period", doc["billing_period"]),
            ("Contract", doc["contract_id"]),
        ]
    )
    head = f"<h1>Credit note</h1><dl>{facts}</dl>"
    return _page(f"Credit note {doc['number']}", head, doc, issuer_details)
