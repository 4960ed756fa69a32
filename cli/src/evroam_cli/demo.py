"""`evroam demo` (make demo): a charging session on a running platform, end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from evroam_cli import scenario
from evroam_cli.client import Platform, ServiceDownError
from evroam_cli.endpoints import Endpoints


async def _preview(p: Platform, sc: scenario.Scenario, at: datetime) -> dict[str, Any]:
    request = {
        "location_id": sc.location_id,
        "evse_uid": f"EVSE-{sc.suffix}-1",
        "contract_id": sc.contract_id,
        "energy_kwh": "12.5",
        "duration_minutes": 45,
        "start_at": at.isoformat(),
    }

    async def ask() -> dict[str, Any] | None:
        r = await p.price_preview(request)
        return dict(r.json()) if r.status_code == 200 else None

    return await p.eventually("price preview", "tariff", ask)


def _say(step: str) -> None:
    print(f"==> {step}", flush=True)


async def run_demo(endpoints: Endpoints) -> int:
    async with httpx.AsyncClient(timeout=10) as http:
        p = Platform(endpoints, http)
        try:
            await p.require_ready()
        except ServiceDownError as exc:
            print(f"evroam demo: the platform is not ready: {exc}\nStart it with `make run`.")
            return 1
        sc = scenario.Scenario.new()
        _say(
            f"provisioning location {sc.location_id}, station {sc.station_id}, tariff "
            f"{sc.tariff_id} (EUR {scenario.TARIFF_PRICE_PER_KWH}/kWh"
            f" + {scenario.TARIFF_VAT}% VAT),"
            f" token {sc.token_uid} of eMSP {sc.emsp_country_code}*{sc.emsp_party_id}"
        )
        partner_token = await scenario.provision(p, sc)
        started_at = datetime.now(UTC).replace(microsecond=0)
        shown = await _preview(p, sc, started_at)
        _say(
            f"price preview for 12.5 kWh in 45 min: {shown['total_cost']} {shown['currency']}"
            f" (tariff {shown['tariff']['id']} v{shown['tariff']['version']})"
        )
        _say(
            f"playing a charging session: OCPP 1.6J station at {endpoints.ocpp_url}/{sc.station_id}"
        )
        played = await scenario.play(p, sc, started_at)
        print(
            f"    transaction {played.transaction_id}: authorize {played.authorize_status}, "
            f"{(played.meter_stop_wh - played.meter_start_wh) / 1000} kWh"
        )
        session = await scenario.session_of(p, sc, started_at)
        _say(
            f"session {session['id']}: {session['status']}, {session['kwh']} kWh, "
            f"cost {session['total_cost']} {session['currency']}"
        )
        cdr = await scenario.cdr_of(p, session["id"])
        _say(f"CDR {cdr['id']}: total_cost {cdr['total_cost']}, total_energy {cdr['total_energy']}")
        r = await scenario.ocpi_cdrs_with(p, partner_token, cdr["id"])
        print(
            f"    the eMSP sees it over OCPI GET /cdrs: {len(r.json().get('data') or [])} CDR(s), "
            f"X-Total-Count {r.headers.get('X-Total-Count')}"
        )
        line = await scenario.statement_line_of(p, cdr["id"])
        _say(
            f"settlement statement {line.get('statement_id')} (the eMSP's, {line.get('period')})"
            f" line {line.get('line_no')}: {line.get('energy_kwh')} kWh ="
            f" {json.dumps(line.get('amount'))} {line.get('currency')}, {line.get('state')}"
        )
        print(f"\nTrace it across services: uv run evroam trace session {session['id']}")
    return 0
