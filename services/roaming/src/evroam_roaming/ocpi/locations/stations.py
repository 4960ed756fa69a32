"""What the gateway tells us about one station, folded into what OCPI shows of its EVSEs
(2.2.1 section 3.1): the registry's EVSEs and connectors, and an EVSE `status` kept current
from the connectors' OCPP statuses and the station's connection. Pure.

All of a station's events share its stream (registry, status changes, connections), so they
arrive in order; `StationState` is their fold, kept beside the EVSE rows it projects to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from evroam_contracts.gateway import (
    ConnectorStatus,
    Evse,
    StationConnected,
    StationDisconnected,
    StationRegistered,
    StationStatusChanged,
)
from evroam_contracts.shared import Value

StationEvent = StationRegistered | StationStatusChanged | StationConnected | StationDisconnected

# OCPP connector status (as the gateway normalises 1.6 ChargePointStatus and 2.0.1
# ConnectorStatusEnumType) -> OCPI 2.2.1 EVSE Status. OCPI's CHARGING means "the EVSE is in
# use", so every state in which a driver holds the EVSE maps to it, suspensions and the
# preparation before a transaction included; FINISHING (the transaction ended, the car is
# still plugged in) is BLOCKED: nobody charges, nobody else can; UNAVAILABLE (1.6/2.0.1:
# switched off on purpose) is INOPERATIVE, and FAULTED (broken) OUTOFORDER.
OCPI_STATUS: Mapping[str, str] = {
    "AVAILABLE": "AVAILABLE",
    "PREPARING": "CHARGING",
    "CHARGING": "CHARGING",
    "SUSPENDED_EV": "CHARGING",
    "SUSPENDED_EVSE": "CHARGING",
    "OCCUPIED": "CHARGING",
    "FINISHING": "BLOCKED",
    "RESERVED": "RESERVED",
    "UNAVAILABLE": "INOPERATIVE",
    "FAULTED": "OUTOFORDER",
}
# An EVSE charges one EV at a time through any one of its connectors, so the busiest
# connector speaks for it, and it is out of order only when none of them can be used.
_PRECEDENCE = ("CHARGING", "BLOCKED", "RESERVED", "AVAILABLE", "INOPERATIVE", "OUTOFORDER")
_IN_USE = frozenset({"CHARGING", "BLOCKED"})
UNKNOWN, REMOVED = "UNKNOWN", "REMOVED"


def evse_status(
    connector_statuses: Iterable[str | None],
    station_status: str | None = None,
    online: bool | None = None,
) -> str:
    """The OCPI status of one EVSE. `station_status` is what the station reported for itself
    (OCPP connector or EVSE 0: AVAILABLE, UNAVAILABLE or FAULTED): when it is down, so is
    every EVSE not in use. A station known to be offline gives UNKNOWN, as OCPI asks."""
    if online is False:
        return UNKNOWN
    known = {OCPI_STATUS[s] for s in connector_statuses if s is not None and s in OCPI_STATUS}
    status = next((s for s in _PRECEDENCE if s in known), UNKNOWN)
    if status not in _IN_USE and station_status in ("UNAVAILABLE", "FAULTED"):
        return OCPI_STATUS[str(station_status)]
    return status


class StationState(Value):
    """A station's registry entry, the last OCPP status of each connector (by its OCPP 1.6
    number, which the registry keeps for 2.0.1 connectors too), its own status, and whether
    its WebSocket is open (None: never said)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    station_id: str
    location_id: str | None = None
    evses: tuple[Evse, ...] = ()
    statuses: dict[int, ConnectorStatus] = {}
    station_status: ConnectorStatus | None = None
    online: bool | None = None
    replica: str | None = None


def _station_wide(event: StationStatusChanged) -> bool:
    if event.ocpp_evse_id is not None:
        return event.ocpp_evse_id == 0
    return event.ocpp_connector_id == 0


def evolve_station(state: StationState, event: StationEvent) -> StationState:
    if isinstance(event, StationRegistered):  # StationUpdated too: the whole new state
        return state.model_copy(update={"location_id": event.location_id, "evses": event.evses})
    if isinstance(event, StationStatusChanged):
        if _station_wide(event):
            return state.model_copy(update={"station_status": event.status})
        if event.evse_uid is None:
            return state  # a connector the registry did not know: nothing to show it on
        statuses = {**state.statuses, event.ocpp_connector_id: event.status}
        return state.model_copy(update={"statuses": statuses})
    if isinstance(event, StationConnected):
        return state.model_copy(update={"online": True, "replica": event.replica})
    # A replica that lost a socket the station already reopened elsewhere says nothing.
    if state.replica not in (None, event.replica):
        return state
    return state.model_copy(update={"online": False})


class EvseView(BaseModel):
    """One EVSE as OCPI shows it, but for `last_updated`: the EVSE object without it (its
    connectors carry theirs), where it is, and its status."""

    model_config = ConfigDict(frozen=True)
    location_id: str
    uid: str
    evse: dict[str, Any]
    status: str


def station_evses(
    state: StationState, previous: Mapping[tuple[str, str], Mapping[str, Any]], at: str
) -> list[EvseView]:
    """The station's EVSEs now. `previous` holds the EVSE objects shown before, by (location,
    uid): a connector that did not change keeps its `last_updated`, others get `at`."""
    if state.location_id is None:
        return []
    location_id = state.location_id
    return [
        EvseView(
            location_id=location_id,
            uid=evse.evse_uid,
            evse=evse_object(evse, previous.get((location_id, evse.evse_uid)), at),
            status=evse_status(
                (state.statuses.get(c.ocpp_connector_id) for c in evse.connectors),
                state.station_status,
                state.online,
            ),
        )
        for evse in state.evses
    ]


def evse_object(evse: Evse, previous: Mapping[str, Any] | None, at: str) -> dict[str, Any]:
    """The OCPI EVSE object without `status` and `last_updated`. Capabilities, images,
    coordinates and the like are not in our registry and are left out (all optional)."""
    shown = {c["id"]: c for c in (previous or {}).get("connectors", ())}
    connectors = []
    for c in evse.connectors:
        body = {
            "id": c.connector_id,
            "standard": c.standard,
            "format": c.format,
            "power_type": c.power_type,
            "max_voltage": c.max_voltage_v,
            "max_amperage": c.max_amperage_a,
            "max_electric_power": c.max_power_w,
        }
        before = shown.get(c.connector_id)
        kept = before["last_updated"] if before and _without_time(before) == body else at
        connectors.append({**body, "last_updated": kept})
    data: dict[str, Any] = {"uid": evse.evse_uid, "evse_id": evse.evse_id}
    data["connectors"] = connectors
    # OCPI physical_reference is string(16); a longer label would not be valid OCPI.
    if evse.physical_reference and len(evse.physical_reference) <= 16:
        data["physical_reference"] = evse.physical_reference
    return data


def _without_time(connector: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in connector.items() if k != "last_updated"}
