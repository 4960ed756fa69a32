"""Commands from eMSPs, we being the CPO (OCPI 2.2.1 section 13): which station command each
becomes, why one is refused at once, what the station's answer means as a CommandResult,
and what a malformed command body is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from evroam_roaming.domain.commands import (
    KnownEvse,
    KnownSession,
    Refusal,
    StationCall,
    cancel_reservation,
    command_result,
    reserve_now,
    start_session,
    stop_session,
    unlock_connector,
)
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.commands.models import (
    InvalidCommandError,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
    parse_command,
)

EMSP = Party("DE", "TNM")
NOW = datetime(2026, 11, 21, 10, tzinfo=UTC)
SITE = [
    KnownEvse("LOC1", "3256", "CS1", {"1": 1, "2": 2}),
    KnownEvse("LOC1", "3257", "CS1", {"1": 3}),
]
TWO_STATIONS = [*SITE, KnownEvse("LOC1", "4000", "CS2", {"1": 1})]


def token(cc: str = "DE", pid: str = "TNM", type_: str = "RFID", **extra: Any) -> dict[str, Any]:
    return {
        "country_code": cc,
        "party_id": pid,
        "uid": "04A1B2C3",
        "type": type_,
        "contract_id": "DE-TNM-C1",
        "issuer": "TNM",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-11-21T09:00:00Z",
        **extra,
    }


def start(**fields: Any) -> StartSession:
    body = {"response_url": "https://e.example/r/1", "token": token(), "location_id": "LOC1"}
    command = parse_command("START_SESSION", {**body, **fields})
    assert isinstance(command, StartSession)
    return command


def test_start_session_names_the_evses_first_connector_by_its_ocpp_number() -> None:
    call = start_session(start(evse_uid="3257"), SITE, EMSP)
    assert call == StationCall(
        "CS1",
        "RemoteStartTransaction",
        {"id_tag": "04A1B2C3", "id_token_type": "ISO14443", "connector_id": 3},
        "3257",
        "1",
    )


def test_a_named_connector_is_found_in_any_case_and_ids_keep_the_eMSPs_spelling() -> None:
    call = start_session(start(evse_uid="3256", connector_id="2"), SITE, EMSP)
    assert isinstance(call, StationCall)
    assert call.arguments["connector_id"] == 2
    assert start_session(start(evse_uid="3256"), SITE, EMSP).arguments["connector_id"] == 1  # type: ignore[union-attr]


def test_without_an_evse_the_one_station_picks_the_connector() -> None:
    call = start_session(start(), SITE, EMSP)
    assert isinstance(call, StationCall)
    assert (call.station_id, "connector_id" in call.arguments) == ("CS1", False)
    refused = start_session(start(), TWO_STATIONS, EMSP)
    assert refused == Refusal("REJECTED", "evse_uid needed: the location has several stations")


def test_an_app_user_token_is_a_central_id_token_for_an_ocpp_201_station() -> None:
    call = start_session(start(token=token(type_="APP_USER")), SITE, EMSP)
    assert call.arguments["id_token_type"] == "Central"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "evses", "message"),
    [
        ({"token": token("NL", "OTH")}, SITE, "the token is not one of this eMSP's tokens"),
        ({"evse_uid": "9"}, SITE, "no EVSE 9 at this location"),
        ({"evse_uid": "3256", "connector_id": "9"}, SITE, "no connector 9 at EVSE 3256"),
        ({}, [], "the location has no EVSE"),
    ],
)
def test_start_session_refusals_say_why(
    fields: dict[str, Any], evses: list[KnownEvse], message: str
) -> None:
    assert start_session(start(**fields), evses, EMSP) == Refusal("REJECTED", message)


def test_an_unknown_location_is_refused_as_such() -> None:
    refusal = start_session(start(), None, EMSP)
    assert isinstance(refusal, Refusal)
    assert (refusal.response, refusal.unknown_location) == ("REJECTED", True)


def session(**changes: Any) -> KnownSession:
    fields = {
        "session_id": "S1",
        "owner": EMSP,
        "status": "ACTIVE",
        "station_id": "CS1",
        "transaction_id": "42",
    }
    return KnownSession(**{**fields, **changes})


STOP = StopSession(response_url="https://e.example/r/2", session_id="S1")


def test_stop_session_stops_the_transaction_with_the_ocpp_id_type() -> None:
    assert stop_session(STOP, session(), EMSP) == StationCall(
        "CS1", "RemoteStopTransaction", {"transaction_id": 42}
    )
    call = stop_session(STOP, session(transaction_id="a1b2-uuid"), EMSP)
    assert call.arguments == {"transaction_id": "a1b2-uuid"}  # type: ignore[union-attr]


def test_stop_session_hides_other_emsps_sessions_and_refuses_ended_ones() -> None:
    for unknown in (None, session(owner=Party("NL", "OTH")), session(owner=None)):
        assert stop_session(STOP, unknown, EMSP).response == "UNKNOWN_SESSION"  # type: ignore[union-attr]
    for status in ("COMPLETED", "INVALID"):
        assert stop_session(STOP, session(status=status), EMSP).response == "REJECTED"  # type: ignore[union-attr]
    assert stop_session(STOP, session(transaction_id=None), EMSP).response == "REJECTED"  # type: ignore[union-attr]


def test_unlock_connector_names_the_ocpp_connector() -> None:
    unlock = UnlockConnector(
        response_url="https://e.example/r/3", location_id="LOC1", evse_uid="3257", connector_id="1"
    )
    assert unlock_connector(unlock, SITE, EMSP) == StationCall(
        "CS1", "UnlockConnector", {"connector_id": 3}, "3257", "1"
    )
    # Where its own driver charges too; never where another eMSP's does (1.6 would stop it).
    assert isinstance(unlock_connector(unlock, SITE, EMSP, charging=[EMSP]), StationCall)
    assert unlock_connector(unlock, SITE, EMSP, charging=[EMSP, Party("NL", "OTH")]) == Refusal(
        "REJECTED", "the connector is in use by a session of another eMSP"
    )


def reservation(**fields: Any) -> ReserveNow:
    body = {
        "response_url": "https://e.example/r/4",
        "token": token(group_id="G-1"),
        "expiry_date": "2026-11-21T11:00:00Z",
        "reservation_id": "R-1",
        "location_id": "LOC1",
        **fields,
    }
    command = parse_command("RESERVE_NOW", body)
    assert isinstance(command, ReserveNow)
    return command


def test_reserve_now_uses_our_reservation_number_and_connector_0_for_any() -> None:
    call = reserve_now(reservation(), SITE, EMSP, 17, NOW)
    assert isinstance(call, StationCall)
    assert call.arguments == {
        "connector_id": 0,
        "expiry_date": "2026-11-21T11:00:00+00:00",
        "id_tag": "04A1B2C3",
        "reservation_id": 17,
        "parent_id_tag": "G-1",
    }
    one = reserve_now(reservation(evse_uid="3257"), SITE, EMSP, 17, NOW)
    assert one.arguments["connector_id"] == 3  # type: ignore[union-attr]


def test_a_reservation_ending_in_the_past_is_refused() -> None:
    late = NOW + timedelta(hours=2)
    assert reserve_now(reservation(), SITE, EMSP, 1, late) == Refusal(
        "REJECTED", "expiry_date is in the past"
    )


def test_cancel_reservation_needs_a_reservation_of_this_emsp() -> None:
    cancel = parse_command(
        "CANCEL_RESERVATION", {"response_url": "https://e.example/r/5", "reservation_id": "R-1"}
    )
    assert cancel_reservation(cancel, ("CS1", 17)) == StationCall(  # type: ignore[arg-type]
        "CS1", "CancelReservation", {"reservation_id": 17}
    )
    assert cancel_reservation(cancel, None).response == "REJECTED"  # type: ignore[arg-type, union-attr]


@pytest.mark.parametrize(
    ("action", "outcome", "status", "result"),
    [
        ("RemoteStartTransaction", "accepted", "Accepted", "ACCEPTED"),
        ("RemoteStartTransaction", "rejected", "Rejected", "REJECTED"),
        ("ReserveNow", "rejected", "Occupied", "EVSE_OCCUPIED"),
        ("ReserveNow", "rejected", "Faulted", "EVSE_INOPERATIVE"),
        ("ReserveNow", "rejected", "Unavailable", "EVSE_INOPERATIVE"),
        ("CancelReservation", "rejected", "Rejected", "UNKNOWN_RESERVATION"),
        ("UnlockConnector", "rejected", "UnlockFailed", "FAILED"),
        ("UnlockConnector", "rejected", "NotSupported", "NOT_SUPPORTED"),
        ("RemoteStopTransaction", "timed_out", "", "TIMEOUT"),
        ("RemoteStopTransaction", "not_connected", "", "FAILED"),
        ("RemoteStopTransaction", "call_error", "", "FAILED"),
        ("ReserveNow", "not_supported", "", "NOT_SUPPORTED"),
    ],
)
def test_the_stations_answer_becomes_a_command_result(
    action: str, outcome: str, status: str, result: str
) -> None:
    got, message = command_result(action, outcome, {"status": status} if status else {}, None)
    assert got == result
    assert message


def test_an_offline_station_is_said_so() -> None:
    assert command_result("RemoteStartTransaction", "not_connected", {}, None) == (
        "FAILED",
        "the station is offline",
    )


@pytest.mark.parametrize(
    ("command", "body", "reason"),
    [
        ("START_SESSION", [], "must be a JSON object"),
        ("START_SESSION", {"response_url": "https://e.example/r"}, "token: Field required"),
        ("STOP_SESSION", {"response_url": "ftp://e.example/r", "session_id": "S"}, "response_url"),
        (
            "STOP_SESSION",
            {"response_url": "https://e.example/r", "session_id": "x" * 37},
            "session_id",
        ),
        ("STOP_SESSION", {"response_url": "https://e.example/r", "session_id": "é"}, "CiString"),
        (
            "START_SESSION",
            {"response_url": "https://e.example/r", "token": {"uid": 1}, "location_id": "L"},
            "not a valid Token",
        ),
        (
            "START_SESSION",
            {
                "response_url": "https://e.example/r",
                "token": token(),
                "location_id": "L",
                "connector_id": "1",
            },
            "connector_id needs evse_uid",
        ),
        (
            "RESERVE_NOW",
            {
                "response_url": "https://e.example/r",
                "token": token(),
                "expiry_date": "tomorrow",
                "reservation_id": "R",
                "location_id": "L",
            },
            "expiry_date",
        ),
        ("REBOOT", {}, "unknown command"),
    ],
)
def test_a_malformed_command_is_refused_with_the_reason(
    command: str, body: Any, reason: str
) -> None:
    with pytest.raises(InvalidCommandError, match=reason):
        parse_command(command, body)
