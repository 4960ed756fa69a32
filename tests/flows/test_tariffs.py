"""Versioned tariffs and the price preview, through the services' HTTP APIs: the price a
driver is shown before starting is the price the session and its CDR are billed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform

pytestmark = pytest.mark.flow
START = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def _tariff(sc: scenario.Scenario, tariff_id: str, price: float) -> dict[str, Any]:
    return {
        **scenario.tariff(sc),
        "id": tariff_id,
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": price, "vat": 21, "step_size": 1}]}
        ],
    }


async def _preview(platform: Platform, body: dict[str, Any], tariff_id: str | None = None) -> Any:
    """The preview, once the tariff service has folded what it was told (and, if given, once
    it offers `tariff_id`)."""

    async def ask() -> Any:
        r = await platform.price_preview(body)
        ok = r.status_code == 200 and tariff_id in (None, r.json()["tariff"]["id"])
        return r.json() if ok else None

    return await platform.eventually(f"price preview offering {tariff_id}", "tariff", ask)


@pytest.fixture(scope="module")
async def tariffs(platform: Platform) -> tuple[scenario.Scenario, str]:
    """The scenario's location-wide tariff (0.35), and a cheaper one (0.20) for its eMSP's
    drivers at its EVSE only."""
    sc = scenario.Scenario.new()
    token = await scenario.provision(platform, sc)
    partner_tariff = f"{sc.tariff_id}-EMSP"
    await platform.publish_tariff(_tariff(sc, partner_tariff, 0.20))
    await platform.assign_tariff(
        sc.location_id,
        partner_tariff,
        "2026-01-01T00:00:00Z",
        evse_uid=f"EVSE-{sc.suffix}-1",
        emsp={"country_code": sc.emsp_country_code, "party_id": sc.emsp_party_id},
    )
    party = {"country_code": sc.emsp_country_code, "party_id": sc.emsp_party_id}
    await _preview(
        platform, _request(sc, evse_uid=f"EVSE-{sc.suffix}-1", token=party), partner_tariff
    )  # the assignment is in force before the tests look
    return sc, token


def _request(sc: scenario.Scenario, **extra: Any) -> dict[str, Any]:
    return {
        "location_id": sc.location_id,
        "energy_kwh": "12.5",
        "duration_minutes": 45,
        "start_at": START.isoformat(),
        **extra,
    }


async def test_the_preview_picks_the_partner_tariff_at_its_evse_and_the_location_one_elsewhere(
    platform: Platform,
    tariffs: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = tariffs
    party = {"country_code": sc.emsp_country_code, "party_id": sc.emsp_party_id}
    at_evse = await _preview(platform, _request(sc, evse_uid=f"EVSE-{sc.suffix}-1", token=party))
    by_contract = await _preview(
        platform, _request(sc, evse_uid=f"EVSE-{sc.suffix}-1", contract_id=sc.contract_id)
    )
    other = await _preview(
        platform,
        _request(
            sc, evse_uid=f"EVSE-{sc.suffix}-1", token={"country_code": "NL", "party_id": "ZZZ"}
        ),
    )
    assert at_evse["tariff"]["id"] == by_contract["tariff"]["id"] == f"{sc.tariff_id}-EMSP"
    assert at_evse["total_cost"] == {"excl_vat": "2.50", "incl_vat": "3.03"}  # 12.5 x 0.20
    assert other["tariff"]["id"] == sc.tariff_id
    assert other["total_cost"] == {"excl_vat": "4.38", "incl_vat": "5.29"}  # 12.5 x 0.35
    [line] = other["lines"]
    assert (line["dimension"], Decimal(line["quantity"]), line["unit_price"]) == (
        "ENERGY",
        Decimal("12.5"),
        "0.35",
    )
    assert other["time_zone"] == "Europe/Amsterdam"


async def test_the_price_shown_before_the_session_is_the_price_billed(
    platform: Platform,
    tariffs: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = tariffs
    party = {"country_code": sc.emsp_country_code, "party_id": sc.emsp_party_id}
    shown = await _preview(platform, _request(sc, evse_uid=f"EVSE-{sc.suffix}-1", token=party))
    await scenario.play(platform, sc, START, energy_wh=(4000, 5500, 3000))
    session = await scenario.session_of(platform, sc, START)
    cdr = await scenario.cdr_of(platform, session["id"])
    assert session["tariff_id"] == shown["tariff"]["id"]
    for vat in ("excl_vat", "incl_vat"):
        assert Decimal(str(session["total_cost"][vat])) == Decimal(shown["total_cost"][vat])
    assert Decimal(str(cdr["total_cost"]["excl_vat"])) == Decimal(shown["total_cost"]["excl_vat"])
    assert Decimal(str(cdr["total_cost"]["incl_vat"])) == Decimal(shown["total_cost"]["incl_vat"])


async def test_a_retired_tariff_is_no_longer_offered_and_unknown_places_get_404(
    platform: Platform,
    tariffs: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = tariffs
    later = START + timedelta(days=30)
    await platform.retire_tariff(f"{sc.tariff_id}-EMSP", (START + timedelta(days=1)).isoformat())
    party = {"country_code": sc.emsp_country_code, "party_id": sc.emsp_party_id}

    async def retired_gone() -> Any:
        body = await _preview(
            platform,
            {
                **_request(sc, evse_uid=f"EVSE-{sc.suffix}-1", token=party),
                "start_at": later.isoformat(),
            },
        )
        return body if body["tariff"]["id"] == sc.tariff_id else None

    assert await platform.eventually("retirement applied", "tariff", retired_gone)
    r = await platform.price_preview({**_request(sc), "location_id": "NOWHERE"})
    assert r.status_code == 404
    r = await platform.price_preview({**_request(sc), "energy_kwh": "-1"})
    assert r.status_code == 422
