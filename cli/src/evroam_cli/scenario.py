"""The walking-skeleton scenario, shared by `evroam demo` and the full-flow tests: one CPO
location with one station and a per-kWh tariff, one eMSP partner whose driver charges there,
and one charging session followed through session, CDR, OCPI and invoice."""

from __future__ import annotations

import functools
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from evroam_cli.client import Platform
from evroam_contracts.emi3 import ALPHABET, ContractId
from evroam_testing.station import PlayedSession, SimulatedStation16, play_session

TARIFF_PRICE_PER_KWH = 0.35  # OCPI prices are JSON numbers
TARIFF_VAT = 21


@dataclass(frozen=True)
class Scenario:
    suffix: str
    location_id: str
    station_id: str
    tariff_id: str
    token_uid: str
    contract_id: str
    emsp_country_code: str
    emsp_party_id: str

    @classmethod
    def new(cls, suffix: str | None = None) -> Scenario:
        """Fresh ids, and an eMSP party of its own, so scenarios never see each other's data."""
        s = (suffix or secrets.token_hex(3)).upper()
        party = "".join(secrets.choice(string.ascii_uppercase) for _ in range(3))
        contract_id = emi3_contract_id("DE", party, s)
        return cls(s, f"LOC-{s}", f"CS-{s}", f"TARIFF-{s}", f"RFID{s}", contract_id, "DE", party)


def emi3_contract_id(country_code: str, party_id: str, suffix: str) -> str:
    """An eMI3 contract id of the eMSP, with its check digit (the authorization service refuses
    any other): `DE-ABC-C00A1B2C3-2` for the suffix "A1B2C3"; the instance is the suffix's last
    eight letters and digits, padded with zeros."""
    kept = "".join(c for c in suffix.upper() if c in ALPHABET)
    return str(ContractId.new(country_code, party_id, kept[-8:].rjust(8, "0")))


def location(sc: Scenario) -> dict[str, Any]:
    return {
        "location_id": sc.location_id,
        "name": "evroam demo depot",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012AB",
        "country": "NLD",
        "coordinates": {"latitude": "52.378900", "longitude": "4.900200"},
        "time_zone": "Europe/Amsterdam",
        "country_code": "NL",
        "party_id": "EVR",
    }


def station(sc: Scenario) -> dict[str, Any]:
    return {
        "station_id": sc.station_id,
        "location_id": sc.location_id,
        "evses": [
            {
                "evse_uid": f"EVSE-{sc.suffix}-1",
                "evse_id": f"NL*EVR*E{sc.suffix}*1",
                "connectors": [
                    {
                        "connector_id": "1",
                        "ocpp_connector_id": 1,
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_power_w": 22000,
                    }
                ],
            }
        ],
    }


def tariff(sc: Scenario) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EVR",
        "id": sc.tariff_id,
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {
                        "type": "ENERGY",
                        "price": TARIFF_PRICE_PER_KWH,
                        "vat": TARIFF_VAT,
                        "step_size": 1,
                    }
                ]
            }
        ],
        "last_updated": "2026-01-01T00:00:00Z",
    }


def token(sc: Scenario) -> dict[str, Any]:
    return {
        "country_code": sc.emsp_country_code,
        "party_id": sc.emsp_party_id,
        "uid": sc.token_uid,
        "type": "RFID",
        "contract_id": sc.contract_id,
        "issuer": "ABC Mobility",
        "whitelist": "ALLOWED",
        "valid": True,
        "last_updated": "2026-01-01T00:00:00Z",
    }


async def provision(p: Platform, sc: Scenario, priced_by: dict[str, Any] | None = None) -> str:
    """Register everything the session needs (priced by the scenario's tariff unless another
    one with the scenario's tariff id is given); return the eMSP partner's OCPI token."""
    await p.register_location(location(sc))
    await p.register_station(station(sc))
    await p.publish_tariff(priced_by or tariff(sc))
    await p.assign_tariff(sc.location_id, sc.tariff_id, "2026-01-01T00:00:00Z")
    await p.register_token(token(sc))
    partner = await p.register_partner(
        {
            "name": f"ABC Mobility {sc.suffix}",
            "role": "EMSP",
            "country_code": sc.emsp_country_code,
            "party_id": sc.emsp_party_id,
        }
    )
    # Wait until each service has folded what it was given: station, tariff lock, token.
    await p.eventually(
        "station registered", "gateway", lambda: p.found("gateway", f"/stations/{sc.station_id}")
    )
    await p.eventually(
        "tariff assigned to location",
        "session",
        lambda: p.found("session", f"/locations/{sc.location_id}/tariff"),
    )
    await p.eventually(
        "token registered",
        "authorization",
        lambda: p.found(
            "authorization", f"/tokens/{sc.emsp_country_code}/{sc.emsp_party_id}/{sc.token_uid}"
        ),
    )
    return str(partner["token"])


async def station_priced_by(p: Platform, priced_by: Scenario) -> str:
    """A fresh station at a location of its own, priced by another scenario's tariff, once
    the gateway and the session service know it; its station id."""
    sc = Scenario.new()
    await p.register_location(location(sc))
    await p.register_station(station(sc))
    await p.assign_tariff(sc.location_id, priced_by.tariff_id, "2026-01-01T00:00:00Z")
    for service, path in (
        ("gateway", f"/stations/{sc.station_id}"),
        ("session", f"/locations/{sc.location_id}/tariff"),
    ):
        await p.eventually(f"{path} known", service, functools.partial(p.found, service, path))
    return sc.station_id


async def play(
    p: Platform,
    sc: Scenario,
    started_at: datetime,
    energy_wh: tuple[int, ...] = (4000, 5500, 3000),
) -> PlayedSession:
    async with SimulatedStation16(p.endpoints.ocpp_url, sc.station_id) as cs:
        status = await cs.boot()
        if status != "Accepted":
            raise RuntimeError(f"station {sc.station_id} was not accepted: {status}")
        return await play_session(
            cs,
            id_tag=sc.token_uid,
            connector_id=1,
            started_at=started_at,
            meter_start_wh=120_000,
            energy_wh_per_step=energy_wh,
            step=timedelta(minutes=15),
        )


async def session_of(
    p: Platform, sc: Scenario, started_at: datetime, timeout_s: float = 30
) -> dict[str, Any]:
    """The completed session that started at `started_at` on the scenario's station."""
    window = {
        "started_from": _ocpi_time(started_at),
        "started_to": _ocpi_time(started_at + timedelta(seconds=1)),
    }
    sessions = await p.eventually(
        f"session started {window['started_from']} completed",
        "session",
        lambda: p.found(
            "session", "/sessions", station_id=sc.station_id, status="COMPLETED", **window
        ),
        timeout_s,
    )
    return dict(sessions[0])


def _ocpi_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def cdr_of(p: Platform, session_id: str, timeout_s: float = 30) -> dict[str, Any]:
    cdrs = await p.eventually(
        "CDR issued", "cdr", lambda: p.found("cdr", "/cdrs", session_id=session_id), timeout_s
    )
    return dict(cdrs[0])


async def statement_line_of(p: Platform, cdr_id: str, timeout_s: float = 30) -> dict[str, Any]:
    """The CDR's line on its eMSP's settlement statement (we are the CPO; the scenario's
    driver belongs to a partner eMSP, so billing settles with that eMSP, not the driver)."""
    lines = await p.eventually(
        "statement line added",
        "billing",
        lambda: p.found("billing", "/statement-lines", cdr_id=cdr_id),
        timeout_s,
    )
    return dict(lines[0])


async def invoice_line_of(p: Platform, cdr_id: str, timeout_s: float = 30) -> dict[str, Any]:
    """The CDR's line on our driver's invoice (a token of our own eMSP party)."""
    lines = await p.eventually(
        "invoice line added",
        "billing",
        lambda: p.found("billing", "/invoice-lines", cdr_id=cdr_id),
        timeout_s,
    )
    return dict(lines[0])


async def ocpi_cdrs_with(
    p: Platform, partner_token: str, cdr_id: str, timeout_s: float = 30
) -> httpx.Response:
    """The partner's OCPI `GET /cdrs` page, once it lists `cdr_id`."""

    async def listed() -> httpx.Response | None:
        r = await p.ocpi_get("/ocpi/cpo/2.2.1/cdrs", partner_token)
        ids = [c["id"] for c in r.json().get("data") or []] if r.status_code == 200 else []
        return r if cdr_id in ids else None

    return await p.eventually("CDR served over OCPI", "roaming", listed, timeout_s)
