"""Commands from eMSPs as the CPO carries them out (OCPI 2.2.1 section 13): which station
command each becomes, or why it is refused at once, and what the station's answer means as a
CommandResult. Pure: what we know of EVSEs, sessions and reservations comes in.

Station commands are named in OCPP 1.6 words; the gateway translates the ones that have a
2.0.1 equivalent, so we need not know a station's version (gateway domain/station_commands).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evroam_contracts.gateway import StationAction
from evroam_contracts.roaming import CommandResponseType, CommandResultType
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.commands.models import (
    CancelReservation,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)

# OCPI TokenType -> OCPP 2.0.1 IdTokenEnumType (1.6 has only the id tag).
_ID_TOKEN_TYPES = {"RFID": "ISO14443", "APP_USER": "Central", "AD_HOC_USER": "Central"}
_ENDED = frozenset({"COMPLETED", "INVALID"})


class UnknownLocationError(LookupError):
    """No location of ours has this id (OCPI 2003, with a REJECTED CommandResponse)."""


@dataclass(frozen=True)
class KnownEvse:
    """One of our EVSEs as the gateway's registry has it: its station and, per OCPI
    connector id, the OCPP 1.6 connector number (2.0.1 stations keep one too)."""

    location_id: str
    evse_uid: str
    station_id: str
    connectors: Mapping[str, int]


@dataclass(frozen=True)
class KnownSession:
    session_id: str
    owner: Party | None
    status: str
    station_id: str | None
    transaction_id: str | None


@dataclass(frozen=True)
class StationCall:
    """The gateway command to send (`SendStationCommand.action` and `arguments`)."""

    station_id: str
    action: StationAction
    arguments: dict[str, Any] = field(default_factory=dict)
    evse_uid: str | None = None
    connector_id: str | None = None


@dataclass(frozen=True)
class Refusal:
    response: CommandResponseType
    message: str
    # Answered with OCPI 2003 (section 13.1.1). Functions taking `evses` get None for a
    # location we do not know.
    unknown_location: bool = False


def start_session(
    command: StartSession, evses: Sequence[KnownEvse] | None, emsp: Party
) -> StationCall | Refusal:
    """RemoteStartTransaction for the token the eMSP authorized; an eMSP may only use its
    own tokens (section 13.1)."""
    if Party.of(command.token.country_code, command.token.party_id) != emsp:
        return Refusal("REJECTED", "the token is not one of this eMSP's tokens")
    target = _target(evses, command.evse_uid, command.connector_id)
    if isinstance(target, Refusal):
        return target
    evse, connector_id, number = target
    arguments: dict[str, Any] = {
        "id_tag": command.token.uid,
        "id_token_type": _ID_TOKEN_TYPES.get(command.token.type, "Central"),
    }
    if number is not None:
        arguments["connector_id"] = number
    return StationCall(
        evse.station_id, "RemoteStartTransaction", arguments, evse.evse_uid, connector_id
    )


def stop_session(
    command: StopSession, session: KnownSession | None, emsp: Party
) -> StationCall | Refusal:
    """RemoteStopTransaction of the session's transaction. Another eMSP's session is as
    unknown as one that never was: nobody learns of sessions that are not theirs."""
    if session is None or session.owner != emsp:
        return Refusal("UNKNOWN_SESSION", f"no session {command.session_id} of this eMSP")
    if session.status in _ENDED:
        return Refusal("REJECTED", f"session {command.session_id} has ended")
    if session.station_id is None or session.transaction_id is None:
        return Refusal("REJECTED", "the session has no transaction at a station yet")
    tx = session.transaction_id
    # OCPP 1.6 transaction ids are integers; 2.0.1 ones strings (the gateway passes them on).
    return StationCall(
        session.station_id,
        "RemoteStopTransaction",
        {"transaction_id": int(tx) if tx.isdigit() else tx},
    )


def unlock_connector(
    command: UnlockConnector,
    evses: Sequence[KnownEvse] | None,
    emsp: Party,
    charging: Collection[Party] = (),
) -> StationCall | Refusal:
    """UnlockConnector (help-desk use, section 13.1). `charging`: the eMSPs of sessions still
    running at that connector. OCPP 1.6 stops a transaction whose connector is unlocked, so
    an eMSP may not unlock where another eMSP's driver charges (that would be a STOP_SESSION
    of a session not its own)."""
    if any(other != emsp for other in charging):
        return Refusal("REJECTED", "the connector is in use by a session of another eMSP")
    target = _target(evses, command.evse_uid, command.connector_id)
    if isinstance(target, Refusal):
        return target
    evse, connector_id, number = target
    return StationCall(
        evse.station_id, "UnlockConnector", {"connector_id": number}, evse.evse_uid, connector_id
    )


def reserve_now(
    command: ReserveNow,
    evses: Sequence[KnownEvse] | None,
    emsp: Party,
    reservation_number: int,
    now: datetime,
) -> StationCall | Refusal:
    """ReserveNow for the eMSP's token; without an EVSE, any connector of the one station
    (OCPP 1.6 connectorId 0). `reservation_number` is the OCPP id mapped to the eMSP's."""
    if Party.of(command.token.country_code, command.token.party_id) != emsp:
        return Refusal("REJECTED", "the token is not one of this eMSP's tokens")
    if command.expiry_date <= now:
        return Refusal("REJECTED", "expiry_date is in the past")
    target = _target(evses, command.evse_uid, None)
    if isinstance(target, Refusal):
        return target
    evse, _, number = target
    arguments = {
        "connector_id": number if command.evse_uid else 0,
        "expiry_date": command.expiry_date.isoformat(),
        "id_tag": command.token.uid,
        "reservation_id": reservation_number,
    }
    if command.token.group_id:
        arguments["parent_id_tag"] = command.token.group_id
    return StationCall(evse.station_id, "ReserveNow", arguments, command.evse_uid, None)


def cancel_reservation(
    command: CancelReservation, reservation: tuple[str, int] | None
) -> StationCall | Refusal:
    """`reservation`: the station and OCPP id we mapped the eMSP's reservation_id to."""
    if reservation is None:
        return Refusal("REJECTED", f"no reservation {command.reservation_id} of this eMSP")
    station_id, number = reservation
    return StationCall(station_id, "CancelReservation", {"reservation_id": number})


def _target(
    evses: Sequence[KnownEvse] | None, evse_uid: str | None, connector_id: str | None
) -> tuple[KnownEvse, str | None, int | None] | Refusal:
    """The EVSE and connector a command names (CiStrings: any case). Without an EVSE, the
    location must be one station, which then picks the connector itself."""
    if evses is None:
        return Refusal("REJECTED", "unknown location", unknown_location=True)
    if not evses:
        return Refusal("REJECTED", "the location has no EVSE")
    if evse_uid is None:
        if len({e.station_id for e in evses}) != 1:
            return Refusal("REJECTED", "evse_uid needed: the location has several stations")
        return evses[0], None, None
    evse = next((e for e in evses if e.evse_uid.upper() == evse_uid.upper()), None)
    if evse is None:
        return Refusal("REJECTED", f"no EVSE {evse_uid} at this location")
    if connector_id is None:
        if not evse.connectors:
            return Refusal("REJECTED", f"EVSE {evse_uid} has no connector")
        first = min(evse.connectors, key=lambda c: evse.connectors[c])
        return evse, first, evse.connectors[first]
    number = next(
        (n for c, n in evse.connectors.items() if c.upper() == connector_id.upper()), None
    )
    if number is None:
        return Refusal("REJECTED", f"no connector {connector_id} at EVSE {evse_uid}")
    return evse, connector_id, number


# OCPP answer statuses that say more than "rejected" (1.6 ReserveNow, CancelReservation,
# UnlockConnector; 2.0.1 wording where it differs).
_REJECTIONS: Mapping[str, CommandResultType] = {
    "Occupied": "EVSE_OCCUPIED",
    "Faulted": "EVSE_INOPERATIVE",
    "Unavailable": "EVSE_INOPERATIVE",
    "UnlockFailed": "FAILED",
    "OngoingAuthorizedTransaction": "EVSE_OCCUPIED",
    "UnknownConnector": "FAILED",
    "NotSupported": "NOT_SUPPORTED",
}
_OUTCOMES: Mapping[str, CommandResultType] = {
    "timed_out": "TIMEOUT",
    "not_connected": "FAILED",
    "call_error": "FAILED",
    "not_supported": "NOT_SUPPORTED",
}


def command_result(
    action: str, outcome: str, response: Mapping[str, Any], reason: str | None
) -> tuple[CommandResultType, str]:
    """The CommandResult for the station's answer to `action` (gateway outcome words)."""
    status = str(response.get("status") or "")
    if outcome == "accepted":
        return "ACCEPTED", f"the station accepted {action}"
    if outcome == "rejected":
        if action == "CancelReservation":
            return "UNKNOWN_RESERVATION", "the station does not know the reservation"
        return _REJECTIONS.get(status, "REJECTED"), f"the station answered {status or outcome}"
    why = {"not_connected": "the station is offline"}.get(outcome, reason or outcome)
    return _OUTCOMES.get(outcome, "FAILED"), why
