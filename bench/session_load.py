"""What the session benchmark (bench/session.py) registers and publishes: a location, its
stations, a per-kWh tariff assigned to the location and one token through the admin APIs; then,
for each charging session, the normalized gateway events a station's transaction becomes
(TransactionStarted, MeterValuesSampled..., TransactionEnded), published on
`evroam.gateway.events` as the gateway's relay publishes them: the envelope's headers, key =
the `charging-<session id>` stream, one stream version per event."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.gateway_report import say
from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_contracts import Envelope
from evroam_contracts.emi3 import ContractId
from evroam_contracts.gateway import (
    AuthorizationSnapshot,
    MeterValuesSampled,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.ids import new_id
from evroam_contracts.shared import GeoLocation, LocationSnapshot, MeterSample
from evroam_contracts.topics import events_topic
from evroam_messaging import Producer

GATEWAY_EVENTS = events_topic("gateway")
LOCATION_ID = "LOC-SBENCH"
TARIFF_ID = "TARIFF-SBENCH"
TOKEN_UID = "SBENCHTAG001"
CONTRACT_ID = str(ContractId.new("NL", "EVR", "SBENCH01"))
METER_START_WH = 100_000
STEP_WH = 1_500  # each MeterValues adds this much; the row's kwh says which one was folded

# The demo scenario's location (Amsterdam, its time zone), under the bench's own id.
_LOCATION: dict[str, Any] = {
    **scenario.location(scenario.Scenario.new("SBENCH")),
    "location_id": LOCATION_ID,
    "name": "evroam session bench",
}
_CONNECTOR: dict[str, Any] = {
    "connector_id": "1",
    "ocpp_connector_id": 1,
    "standard": "IEC_62196_T2",
    "format": "SOCKET",
    "power_type": "AC_3_PHASE",
    "max_power_w": 22000,
}
AUTHORIZATION = AuthorizationSnapshot(
    status="ACCEPTED",
    authorization_reference="SBENCH-AUTH",
    decided_by="authorization",
    token_country_code="NL",
    token_party_id="EVR",
    token_uid=TOKEN_UID,
    token_type="RFID",
    contract_id=CONTRACT_ID,
    auth_method="AUTH_REQUEST",
)


def _evse_uid(station_id: str) -> str:
    return f"{station_id}-1"


def _evse_id(station_id: str) -> str:
    return f"NL*EVR*E{station_id.replace('-', '')}*1"


def _station_body(station_id: str) -> dict[str, Any]:
    evse = {"evse_uid": _evse_uid(station_id), "evse_id": _evse_id(station_id)}
    return {
        "station_id": station_id,
        "location_id": LOCATION_ID,
        "evses": [{**evse, "connectors": [_CONNECTOR]}],
    }


def location_snapshot(station_id: str) -> LocationSnapshot:
    """What the gateway freezes for a session on the station's connector 1."""
    loc = _LOCATION
    return LocationSnapshot(
        id=LOCATION_ID,
        name=loc["name"],
        address=loc["address"],
        city=loc["city"],
        postal_code=loc["postal_code"],
        country=loc["country"],
        coordinates=GeoLocation(**loc["coordinates"]),
        time_zone=loc["time_zone"],
        country_code=loc["country_code"],
        party_id=loc["party_id"],
        evse_uid=_evse_uid(station_id),
        evse_id=_evse_id(station_id),
        connector_id=_CONNECTOR["connector_id"],
        connector_standard=_CONNECTOR["standard"],
        connector_format=_CONNECTOR["format"],
        connector_power_type=_CONNECTOR["power_type"],
    )


async def provision(
    platform: Platform, station_ids: list[str], services: list[str], concurrency: int
) -> float:
    """Location and stations (gateway), tariff and its assignment (tariff), token
    (authorization), each when that service runs; returns once the session service has the
    tariff for the location. The seconds it took."""
    started = time.perf_counter()
    if "gateway" in services:
        await platform.register_location(_LOCATION)
        gate = asyncio.Semaphore(concurrency)

        async def register(station_id: str) -> None:
            async with gate:
                await platform.register_station(_station_body(station_id))

        await asyncio.gather(*(register(s) for s in station_ids))
        say(f"registered location {LOCATION_ID} and {len(station_ids):,} stations")
    if "authorization" in services:
        await platform.register_token(
            {
                "country_code": "NL",
                "party_id": "EVR",
                "uid": TOKEN_UID,
                "type": "RFID",
                "contract_id": CONTRACT_ID,
                "issuer": "evroam bench",
                "whitelist": "ALLOWED",
                "valid": True,
                "last_updated": "2026-01-01T00:00:00Z",
            }
        )
    await platform.publish_tariff(
        {
            "country_code": "NL",
            "party_id": "EVR",
            "id": TARIFF_ID,
            "currency": "EUR",
            "elements": [
                {"price_components": [{"type": "ENERGY", "price": 0.35, "vat": 21, "step_size": 1}]}
            ],
            "last_updated": "2026-01-01T00:00:00Z",
        }
    )
    await platform.assign_tariff(LOCATION_ID, TARIFF_ID, "2026-01-01T00:00:00Z")
    await platform.eventually(
        "tariff assigned to the location, as the session service sees it",
        "session",
        lambda: platform.found("session", f"/locations/{LOCATION_ID}/tariff"),
        timeout_s=60,
    )
    return time.perf_counter() - started


@dataclass
class ChargingSession:
    """One charging session's events: what was published when, and when the session
    service's query API first showed each one folded."""

    session_id: str
    station_id: str
    transaction_id: str
    events: int
    published: list[float] = field(default_factory=list)  # wall clock, s
    visible: list[float] = field(default_factory=list)
    recorded: list[float] = field(default_factory=list)  # the row's last_updated, when exact
    _last_at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(seconds=1))

    def __post_init__(self) -> None:
        self.published = [math.nan] * self.events
        self.visible = [math.nan] * self.events
        self.recorded = [math.nan] * self.events

    @classmethod
    def new(cls, station_id: str, n: int, events: int) -> ChargingSession:
        return cls(str(new_id()), station_id, str(100_000 + n), events)

    def kind(self, j: int) -> str:
        return "start" if j == 0 else "end" if j == self.events - 1 else "meter"

    def folded_by(self, status: str, kwh: Decimal) -> int:
        """How many of the events a row with this status and kwh reflects."""
        if status == "COMPLETED":
            return self.events
        if status != "ACTIVE":
            return 0
        return 1 + min(self.events - 2, round(kwh * 1000) // STEP_WH)

    def envelope(self, j: int) -> Envelope:
        """Event j, built now: station time = now (strictly after the previous one)."""
        now = datetime.now(UTC)
        at = self._last_at = max(now, self._last_at + timedelta(milliseconds=1))
        energy = METER_START_WH + j * STEP_WH
        common = {
            "charging_session_id": self.session_id,
            "station_id": self.station_id,
            "transaction_id": self.transaction_id,
            "received_at": now,
        }
        message: TransactionStarted | MeterValuesSampled | TransactionEnded
        if j == 0:
            message = TransactionStarted(
                **common,
                ocpp_connector_id=1,
                id_tag=TOKEN_UID,
                meter_start_wh=METER_START_WH,
                started_at=at,
                location=location_snapshot(self.station_id),
                authorization=AUTHORIZATION,
            )
        elif j < self.events - 1:
            sample = MeterSample(at=at, energy_wh=energy, power_w=11_000)
            message = MeterValuesSampled(**common, samples=(sample,))
        else:
            message = TransactionEnded(
                **common, meter_stop_wh=energy, ended_at=at, reason="EVDisconnected"
            )
        return Envelope(
            event_id=new_id(),
            type=message.type_name,
            version=message.version,
            source="evroam.gateway",
            time=now,
            stream_id=f"charging-{self.session_id}",
            stream_version=j + 1,
            payload=message.to_json_dict(),
            correlation_id=self.session_id,
        )


class Publisher:
    """Hands events to the producer (acks=all) without waiting for each acknowledgement;
    `published` is when an event was handed over."""

    def __init__(self, producer: Producer) -> None:
        self.producer = producer
        self.sent = 0
        self._acks: list[asyncio.Future[object]] = []

    async def publish(self, s: ChargingSession, j: int) -> None:
        e = s.envelope(j)
        s.published[j] = time.time()
        ack = await self.producer.send_raw(
            GATEWAY_EVENTS, e.key, e.value(), e.headers(), wait=False
        )
        self._acks.append(ack)
        self.sent += 1

    async def acked(self) -> None:
        await asyncio.gather(*self._acks)
        self._acks.clear()


def staggered(sessions: list[ChargingSession]) -> list[tuple[ChargingSession, int]]:
    """The publishing order: sessions side by side, each one's events in order, their starts
    staggered over E rounds (session i begins at round i mod E), so that past the first rounds
    every round has the fleet's mix: some sessions starting, most metering, some ending."""
    rounds = max((s.events for s in sessions), default=0)
    order = []
    for r in range(2 * rounds - 1):
        for i, s in enumerate(sessions):
            j = r - i % rounds
            if 0 <= j < s.events:
                order.append((s, j))
    return order


async def burst(publisher: Publisher, sessions: list[ChargingSession]) -> float:
    """Everything as fast as the producer takes it; seconds until the broker acked all."""
    started = time.perf_counter()
    for s, j in staggered(sessions):
        await publisher.publish(s, j)
    await publisher.acked()
    return time.perf_counter() - started


async def paced(publisher: Publisher, sessions: list[ChargingSession], rate: float) -> float:
    """At `rate` events/s (event i at start + i/rate); seconds until the broker acked all."""
    started = time.perf_counter()
    for i, (s, j) in enumerate(staggered(sessions)):
        wait = started + i / rate - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        await publisher.publish(s, j)
    await publisher.acked()
    return time.perf_counter() - started
