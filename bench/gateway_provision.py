"""What the gateway benchmark (bench/gateway.py) registers through the admin APIs before any
station connects: a location, the stations and the token they authorize with."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.gateway_report import say
from evroam_cli.client import Platform
from evroam_contracts.emi3 import ContractId

ID_TAG = "BENCHTAG0001"


def _station_body(station_id: str, location_id: str) -> dict[str, Any]:
    return {
        "station_id": station_id,
        "location_id": location_id,
        "evses": [
            {
                "evse_uid": f"{station_id}-1",
                "evse_id": f"NL*EVR*E{station_id.replace('-', '')}*1",
                "connectors": [{"connector_id": "1", "ocpp_connector_id": 1}],
            }
        ],
    }


async def provision(platform: Platform, ids: list[str], concurrency: int) -> dict[str, float]:
    """A location, every station (concurrent POSTs: the API has no batch endpoint) and one
    token; returns once the gateway serves the last station and has the token in its cache."""
    location_id = "LOC-BENCH"
    await platform.register_location(
        {
            "location_id": location_id,
            "address": "Benchstraat 1",
            "city": "Amsterdam",
            "country": "NLD",
            "coordinates": {"latitude": "52.378900", "longitude": "4.900200"},
            "time_zone": "Europe/Amsterdam",
            "country_code": "NL",
            "party_id": "EVR",
        }
    )
    await platform.register_token(
        {
            "country_code": "NL",
            "party_id": "EVR",
            "uid": ID_TAG,
            "type": "RFID",
            "contract_id": str(ContractId.new("NL", "EVR", "BENCH001")),
            "issuer": "evroam bench",
            "whitelist": "ALLOWED",
            "valid": True,
            "last_updated": "2026-11-21T00:00:00Z",
        }
    )
    gate = asyncio.Semaphore(concurrency)
    done = retried = 0
    started = time.perf_counter()

    async def register(station_id: str) -> None:
        nonlocal done, retried
        async with gate:
            for attempt in range(3):
                try:
                    await platform.register_station(_station_body(station_id, location_id))
                    break
                except httpx.TransportError:
                    # A keep-alive connection the server closed as it was reused. Registering
                    # twice appends a second station.registered with the same content: harmless.
                    if attempt == 2:
                        raise
                    retried += 1
        done += 1
        if done % 2000 == 0:
            say(f"registered {done:,}/{len(ids):,} stations")

    await asyncio.gather(*(register(s) for s in ids[:-1]))
    # The last one after all others: once the gateway serves it, its projection (folded in
    # log order) has every station.
    await register(ids[-1])
    posted = time.perf_counter() - started
    await platform.eventually(
        "last station served",
        "gateway",
        lambda: platform.found("gateway", f"/stations/{ids[-1]}"),
        timeout_s=120,
    )
    await platform.eventually(
        "token in the gateway's authorization cache",
        "gateway",
        lambda: platform.found("gateway", f"/authorization-cache/{ID_TAG}"),
    )
    return {"posted_s": posted, "served_s": time.perf_counter() - started, "retried": retried}
