"""What opening a charging session needs: where the transaction takes place, the decision it
began under as a snapshot, and its transaction id (assigned here for OCPP 1.6)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from evroam_contracts.gateway import AuthorizationSnapshot
from evroam_contracts.shared import LocationSnapshot, MeterSample
from evroam_gateway.domain.connectors import ConnectorRef, UnknownEvseError, resolve
from evroam_gateway.domain.registry import location_snapshot
from evroam_gateway.handlers.station_traffic import RegisteredStation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opening:
    """What opening a charging session needs, gathered before its transaction begins. A
    message of a transaction already known carries no location (none is looked up)."""

    session_id: str
    traceparent: str | None
    location: LocationSnapshot | None
    ocpp_connector_id: int | None
    decision: dict[str, Any] | None


def place(station: RegisteredStation, where: ConnectorRef | None) -> tuple[LocationSnapshot, int]:
    """Where the transaction takes place, and its 1.6 connector number. A message that names
    no EVSE (an Updated or Ended arriving before its Started) is placed at the station's first
    connector."""
    try:
        _, connector = resolve(station.evses, where or ConnectorRef(evse_id=1))
    except UnknownEvseError:
        log.warning("%s: %s is no known connector; first one assumed", station.station_id, where)
        connector = station.evses[0].connectors[0]
    number = connector.ocpp_connector_id
    return location_snapshot(station.location, list(station.evses), number), number


async def next_transaction_id(conn: AsyncConnection) -> str:
    cur = await conn.execute("SELECT nextval('ocpp_transaction_ids')")
    row = await cur.fetchone()
    assert row is not None
    return str(row[0])


def snapshot(decision: dict[str, Any] | None, id_tag: str | None) -> AuthorizationSnapshot:
    if decision is None:
        # The transaction's start never arrived with an id tag (a stop or reading without a
        # start): there is nothing to authorize on; the session service decides what it is.
        return AuthorizationSnapshot(status="UNKNOWN", decided_by="authorization", token_uid="")
    token = decision.get("token") or {}
    return AuthorizationSnapshot(
        status=decision.get("status", "INVALID"),
        authorization_reference=decision.get("authorization_reference"),
        decided_by=decision.get("decided_by", "authorization"),
        token_country_code=token.get("country_code"),
        token_party_id=token.get("party_id"),
        token_uid=token.get("uid", id_tag or ""),
        token_type=token.get("type", "RFID"),
        contract_id=token.get("contract_id"),
        auth_method=decision.get("auth_method"),
    )


def last_energy(samples: tuple[MeterSample, ...]) -> int | None:
    return max(samples, key=lambda s: s.at).energy_wh if samples else None


def first_energy(samples: tuple[MeterSample, ...]) -> int | None:
    return min(samples, key=lambda s: s.at).energy_wh if samples else None
