"""Billing at the end of the flow (issue: billing, acceptance): our own driver charges at our
station in Amsterdam and, across the border, in Berlin; the month is closed and the invoice
issued with its number, each line at the VAT of the country it was charged in, to the cent;
a late meter reading then corrects the Amsterdam session, and the issued invoice stays as it
was while a credit note cancels its line and the corrected CDR goes on the next invoice.
A partner eMSP's driver charging at the same station lands on that eMSP's settlement
statement, SENT once its CDR was pushed, and in the statement's CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.stack import Stack
from evroam_testing.station import PlayedSession, Reading, SimulatedStation16, play_session

pytestmark = pytest.mark.flow
AMSTERDAM = datetime(2026, 4, 7, 9, tzinfo=UTC)  # 11:00 local (CEST)
BERLIN = datetime(2026, 4, 8, 9, tzinfo=UTC)
PERIOD = "2026-04"


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _nl_tariff(sc: scenario.Scenario) -> dict[str, Any]:
    """0.50/kWh from 11:00 to 11:20 local, 0.35 otherwise, 21 % VAT: a late reading that moves
    energy into or out of the dear window changes the price."""
    dear = {"type": "ENERGY", "price": 0.50, "vat": 21, "step_size": 1}
    return {
        **scenario.tariff(sc),
        "elements": [
            {
                "price_components": [dear],
                "restrictions": {"start_time": "11:00", "end_time": "11:20"},
            },
            *scenario.tariff(sc)["elements"],
        ],
    }


async def _berlin(platform: Platform) -> scenario.Scenario:
    """Our station in Berlin: 0.40/kWh, German VAT (19 %)."""
    de = scenario.Scenario.new()
    location = {
        **scenario.location(de),
        "name": "evroam Berlin",
        "address": "Invalidenstrasse 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DEU",
        "coordinates": {"latitude": "52.531700", "longitude": "13.384800"},
        "time_zone": "Europe/Berlin",
    }
    await platform.register_location(location)
    await platform.register_station(scenario.station(de))
    component = {"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1}
    await platform.publish_tariff(
        {**scenario.tariff(de), "elements": [{"price_components": [component]}]}
    )
    await platform.assign_tariff(de.location_id, de.tariff_id, "2026-01-01T00:00:00Z")
    return de


async def _play(
    platform: Platform, station_id: str, id_tag: str, start: datetime, energy_wh: tuple[int, ...]
) -> PlayedSession:
    async with SimulatedStation16(platform.endpoints.ocpp_url, station_id) as cs:
        assert await cs.boot() == "Accepted"
        return await play_session(
            cs,
            id_tag=id_tag,
            connector_id=1,
            started_at=start,
            meter_start_wh=50_000,
            energy_wh_per_step=energy_wh,
            step=timedelta(minutes=15),
        )


async def _cdr(platform: Platform, sc: scenario.Scenario, start: datetime) -> dict[str, Any]:
    return await scenario.cdr_of(platform, (await scenario.session_of(platform, sc, start))["id"])


async def _invoice(platform: Platform, contract_id: str, status: str) -> dict[str, Any]:
    async def found() -> Any:
        listed = (await platform.get("billing", "/invoices", contract_id=contract_id)).json()
        ids = [i["invoice_id"] for i in listed if i["status"] == status]
        return ids[0] if ids else None

    invoice_id = await platform.eventually(f"{status} invoice", "billing", found)
    return dict((await platform.get("billing", f"/invoices/{invoice_id}")).json())


async def test_the_month_ends_with_invoice_credit_note_and_statement(
    platform: Platform, stack: Stack
) -> None:
    sc = scenario.Scenario.new()
    token_a = await scenario.provision(platform, sc, priced_by=_nl_tariff(sc))
    de = await _berlin(platform)
    uid, contract = f"OWN{sc.suffix}", scenario.emi3_contract_id("NL", "EVR", sc.suffix)
    own = {**scenario.token(sc), "country_code": "NL", "party_id": "EVR", "uid": uid}
    await platform.register_token({**own, "contract_id": contract})

    ams = await _play(platform, sc.station_id, uid, AMSTERDAM, (4000, 5500, 3000))
    await _play(platform, de.station_id, uid, BERLIN, (4000, 6000))
    nl_cdr, de_cdr = await _cdr(platform, sc, AMSTERDAM), await _cdr(platform, de, BERLIN)
    for cdr in (nl_cdr, de_cdr):
        await scenario.invoice_line_of(platform, cdr["id"])
    closed = await platform.post("billing", "/admin/invoices/close", {"period": PERIOD})
    invoice = await _invoice(platform, contract, "ISSUED")

    # A reading the Amsterdam station had kept: more energy in the dear first 20 minutes.
    async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
        await cs.boot()
        late = Reading(AMSTERDAM + timedelta(minutes=20), ams.meter_start_wh + 7_000, 30_000)
        await cs.meter_values(1, ams.transaction_id, [late])
    credit_id = nl_cdr["id"] + "-C"
    notes = await platform.eventually(
        "credit note",
        "billing",
        lambda: platform.found("billing", "/credit-notes", contract_id=contract),
    )
    credit_note = (
        await platform.get("billing", f"/credit-notes/{notes[0]['credit_note_id']}")
    ).json()
    cdrs = (await platform.get("cdr", "/cdrs", session_id=nl_cdr["session_id"])).json()
    [corrected] = [c for c in cdrs if c["id"] not in (nl_cdr["id"], credit_id)]
    late_line = await scenario.invoice_line_of(platform, corrected["id"])
    again = (await platform.get("billing", f"/invoices/{invoice['invoice_id']}")).json()
    html = (await platform.get("billing", f"/invoices/{invoice['invoice_id']}.html")).text

    _check_invoice(invoice, closed, nl_cdr, de_cdr, html)
    _check_correction(invoice, again, credit_note, nl_cdr, corrected, late_line)
    await _check_statement(platform, stack, sc, token_a, uid)


def _check_invoice(
    invoice: dict[str, Any],
    closed: dict[str, Any],
    nl_cdr: dict[str, Any],
    de_cdr: dict[str, Any],
    html: str,
) -> None:
    """Both sessions, each at its country's VAT, to the cent."""
    contract = invoice["contract_id"]
    assert [i["number"] for i in closed["issued"] if i["contract_id"] == contract] == [
        invoice["number"]
    ]
    assert re.fullmatch(r"NL-EVR-2026-\d{6}", invoice["number"])
    lines = {line["cdr_id"]: line for line in invoice["lines"]}
    assert (lines[nl_cdr["id"]]["country"], _dec(lines[nl_cdr["id"]]["vat_rate"])) == ("NLD", 21)
    assert (lines[de_cdr["id"]]["country"], _dec(lines[de_cdr["id"]]["vat_rate"])) == ("DEU", 19)
    assert lines[de_cdr["id"]]["amount"] == {"excl_vat": "4.00", "incl_vat": "4.76"}  # 10 kWh
    for cdr in (nl_cdr, de_cdr):
        assert {k: _dec(v) for k, v in lines[cdr["id"]]["amount"].items()} == {
            k: _dec(v) for k, v in cdr["total_cost"].items()
        }
    vat = {(row["country"], _dec(row["rate"])): row for row in invoice["vat"]}
    assert _dec(vat[("DEU", Decimal(19))]["vat"]) == Decimal("0.76")
    nl_excl, nl_incl = (
        _dec(nl_cdr["total_cost"]["excl_vat"]),
        _dec(nl_cdr["total_cost"]["incl_vat"]),
    )
    assert _dec(vat[("NLD", Decimal(21))]["vat"]) == nl_incl - nl_excl
    total = invoice["totals"]["EUR"]
    assert (_dec(total["excl_vat"]), _dec(total["incl_vat"])) == (
        nl_excl + Decimal("4.00"),
        nl_incl + Decimal("4.76"),
    )
    assert invoice["number"] in html
    assert "Berlin" in html


def _check_correction(
    invoice: dict[str, Any],
    again: dict[str, Any],
    credit_note: dict[str, Any],
    nl_cdr: dict[str, Any],
    corrected: dict[str, Any],
    late_line: dict[str, Any],
) -> None:
    """The issued invoice is unchanged; a credit note cancels the line; the corrected CDR is
    on the next invoice, which says why."""
    nl_excl, nl_incl = (
        _dec(nl_cdr["total_cost"]["excl_vat"]),
        _dec(nl_cdr["total_cost"]["incl_vat"]),
    )
    # Unchanged, but for the credit note it now points to.
    assert {**again, "credit_notes": []} == invoice
    assert again["credit_notes"] == [
        {"credit_note_id": credit_note["credit_note_id"], "number": credit_note["number"]}
    ]
    assert credit_note["invoice_number"] == invoice["number"]
    assert re.fullmatch(r"NL-EVR-2026-\d{6}", credit_note["number"])
    assert credit_note["number"] != invoice["number"]
    assert (
        _dec(credit_note["totals"]["EUR"]["excl_vat"]),
        _dec(credit_note["totals"]["EUR"]["incl_vat"]),
    ) == (
        -nl_excl,
        -nl_incl,
    )
    assert _dec(corrected["total_cost"]["excl_vat"]) != nl_excl  # the price did change
    assert {k: _dec(v) for k, v in late_line["amount"].items()} == {
        k: _dec(v) for k, v in corrected["total_cost"].items()
    }
    assert late_line["invoice_id"] != invoice["invoice_id"]
    assert invoice["number"] in late_line["note"]


async def _check_statement(
    platform: Platform, stack: Stack, sc: scenario.Scenario, token_a: str, uid: str
) -> None:
    """The partner eMSP's driver at the same station: on that eMSP's statement, SENT."""
    async with OcpiPartner(sc.emsp_country_code, sc.emsp_party_id) as emsp:
        await emsp.register(stack.ocpi_versions_url, token_a)
        start = AMSTERDAM + timedelta(hours=3)
        await _play(platform, sc.station_id, sc.token_uid, start, (2000, 2000))
        theirs = await _cdr(platform, sc, start)

        async def sent() -> Any:
            found = await platform.found("billing", "/statement-lines", cdr_id=theirs["id"])
            return found[0] if found and found[0]["state"] == "SENT" else None

        line = await platform.eventually("statement line SENT", "billing", sent)
    statement = (await platform.get("billing", f"/statements/{line['statement_id']}")).json()
    exported = (await platform.get("billing", f"/statements/{line['statement_id']}.csv")).text
    assert line["emsp"] == f"{sc.emsp_country_code}*{sc.emsp_party_id}"
    assert line["period"] == PERIOD
    assert {k: _dec(v) for k, v in line["amount"].items()} == {
        k: _dec(v) for k, v in theirs["total_cost"].items()
    }
    assert [entry["cdr_id"] for entry in statement["lines"]] == [theirs["id"]]
    assert uid not in str(statement)  # our own driver is invoiced, never on a statement
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    [row] = [r for r in rows if theirs["id"] in r]
    assert "SENT" in row
