"""One charging session crossing all seven services, checked through their public interfaces
(OCPP, HTTP, OCPI), never their tables (issue: platform foundation, walking skeleton)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform

pytestmark = pytest.mark.flow
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Amsterdam


@pytest.fixture(scope="module")
async def played(platform: Platform) -> dict[str, Any]:
    sc = scenario.Scenario.new()  # its own station and eMSP: nothing else in this stack
    partner_token = await scenario.provision(platform, sc)
    # A second version, in force from halfway through the session: the session must keep v1.
    tariff_v2 = {
        **scenario.tariff(sc),
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.99, "vat": 21, "step_size": 1}]}
        ],
    }
    assert (await platform.publish_tariff(tariff_v2))["version"] == 2
    await platform.assign_tariff(
        sc.location_id,
        sc.tariff_id,
        (START + timedelta(minutes=20)).isoformat().replace("+00:00", "Z"),
    )
    run = await scenario.play(platform, sc, START, energy_wh=(4000, 5500, 3000))
    session = await scenario.session_of(platform, sc, START)
    cdr = await scenario.cdr_of(platform, session["id"])
    line = await scenario.statement_line_of(platform, cdr["id"])
    return {
        "sc": sc,
        "token": partner_token,
        "run": run,
        "session": session,
        "cdr": cdr,
        "line": line,
    }


def test_the_station_is_accepted_and_its_token_authorized(played: dict[str, Any]) -> None:
    assert (played["run"].authorize_status, played["run"].start_status) == ("Accepted", "Accepted")


def test_the_session_has_the_energy_the_station_measured_and_locks_the_tariff_at_start(
    played: dict[str, Any],
) -> None:
    s, sc = played["session"], played["sc"]
    assert s["status"] == "COMPLETED"
    assert Decimal(s["kwh"]) == Decimal("12.5")
    assert (s["tariff_id"], s["tariff_version"]) == (sc.tariff_id, 1)
    assert s["start_date_time"] == "2026-03-02T09:00:00Z"
    assert s["end_date_time"] == "2026-03-02T09:45:00Z"
    # 12.5 kWh x 0.35 = 4.375 -> 4.38; incl. 21 % VAT 5.29375 -> 5.29 (ROUND_HALF_UP, once)
    assert s["total_cost"] == {"excl_vat": 4.38, "incl_vat": 5.29}


def test_the_cdr_carries_the_session_totals_location_and_token(played: dict[str, Any]) -> None:
    cdr, s, sc = played["cdr"], played["session"], played["sc"]
    assert cdr["session_id"] == s["id"]
    assert (cdr["country_code"], cdr["party_id"]) == ("NL", "EVR")
    assert cdr["cdr_token"]["contract_id"] == sc.contract_id
    assert cdr["cdr_location"]["id"] == sc.location_id
    assert cdr["cdr_location"]["evse_id"] == f"NL*EVR*E{sc.suffix}*1"
    assert Decimal(str(cdr["total_energy"])) == Decimal("12.5")
    assert Decimal(str(cdr["total_time"])) == Decimal("0.75")
    assert Decimal(str(cdr["total_cost"]["excl_vat"])) == Decimal("4.38")
    assert Decimal(str(cdr["total_cost"]["incl_vat"])) == Decimal("5.29")
    assert cdr["currency"] == "EUR"
    assert [t["id"] for t in cdr["tariffs"]] == [sc.tariff_id]


async def test_the_emsp_partner_gets_the_cdr_over_ocpi_with_pagination_headers(
    platform: Platform,
    played: dict[str, Any],
) -> None:
    await scenario.ocpi_cdrs_with(platform, played["token"], played["cdr"]["id"])
    r = await platform.ocpi_get("/ocpi/cpo/2.2.1/cdrs", played["token"], limit=1)
    body = r.json()
    assert r.status_code == 200
    assert body["status_code"] == 1000
    assert [c["id"] for c in body["data"]] == [played["cdr"]["id"]]
    assert r.headers["X-Total-Count"] == "1"
    assert "X-Limit" in r.headers
    assert body["data"][0]["total_cost"]["excl_vat"] == 4.38


async def test_ocpi_without_a_valid_token_is_refused_and_another_party_sees_nothing(
    platform: Platform,
    played: dict[str, Any],
) -> None:
    assert (await platform.ocpi_get("/ocpi/cpo/2.2.1/cdrs", "not-a-token")).status_code == 401
    other = await platform.register_partner(
        {"name": "Other eMSP", "role": "EMSP", "country_code": "FR", "party_id": "XYZ"}
    )

    # The new partner's token is usable once the roaming service has folded its registration.
    async def other_sees() -> list[Any] | None:
        r = await platform.ocpi_get("/ocpi/cpo/2.2.1/cdrs", other["token"])
        return r.json()["data"] if r.status_code == 200 else None

    assert await platform.eventually("partner token usable", "roaming", other_sees) == []


def test_billing_settles_the_cdr_with_the_drivers_emsp(played: dict[str, Any]) -> None:
    # We are the CPO and the driver is the partner eMSP's: its settlement statement lists it.
    line, cdr, sc = played["line"], played["cdr"], played["sc"]
    assert line["cdr_id"] == cdr["id"]
    assert line["emsp"] == f"{sc.emsp_country_code}*{sc.emsp_party_id}"
    assert Decimal(str(line["amount"]["excl_vat"])) == Decimal("4.38")
    assert Decimal(str(line["amount"]["incl_vat"])) == Decimal("5.29")
    assert line["period"] == "2026-03"
