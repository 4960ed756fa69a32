"""OCPP 2.0.1 stations through the gateway (issue: charger gateway), played by the real `ocpp`
library over real WebSockets: every station-initiated message becomes the same normalized
events as OCPP 1.6, a TransactionEvent transaction becomes a priced charging session, and
what real 2.0.1 stations send is taken as the spec says: seqNo gaps are reported, messages
retried under new ids are logged once, offline replays are flagged, and an Ended that arrives
before its Started still closes a session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_cli.log import Logged, about_station, eventually_logged, logged
from evroam_testing.stack import Stack
from evroam_testing.station import Reading
from evroam_testing.station201 import SimulatedStation201

pytestmark = pytest.mark.flow
NewStation = Callable[..., Awaitable[str]]
T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
TX_EVENTS = (
    "station.transaction_started",
    "station.transaction_authorized",
    "station.meter_values_sampled",
    "station.transaction_ended",
    "station.transaction_events_missing",
)


async def transaction_events(p: Platform, transaction_id: str, count: int) -> list[Logged]:
    """The first `count` transaction events of one transaction, in log order."""
    return await eventually_logged(
        p,
        "gateway",
        lambda e: e.type in TX_EVENTS and e.payload.get("transaction_id") == transaction_id,
        count,
        f"events of transaction {transaction_id}",
    )


def two_evses(tag: str) -> list[dict[str, object]]:
    return [
        {
            "evse_uid": f"EVSE-{tag}-{n}",
            "evse_id": f"NL*EVR*E{tag}*{n}",
            "connectors": [
                {"connector_id": "1", "ocpp_connector_id": n, "power_type": "AC_3_PHASE"}
            ],
        }
        for n in (1, 2)
    ]


@pytest.fixture(scope="module")
async def charging_site(platform: Platform) -> scenario.Scenario:
    """A location with a tariff and a token of its own, and a 2.0.1 station with two EVSEs."""
    sc = scenario.Scenario.new()
    await platform.register_location(scenario.location(sc))
    await platform.register_station({**scenario.station(sc), "evses": two_evses(sc.suffix)})
    await platform.publish_tariff(scenario.tariff(sc))
    await platform.assign_tariff(sc.location_id, sc.tariff_id, "2026-01-01T00:00:00Z")
    await platform.register_token(scenario.token(sc))
    await platform.eventually(
        "station registered",
        "gateway",
        lambda: platform.found("gateway", f"/stations/{sc.station_id}"),
    )
    await platform.eventually(
        "token known",
        "authorization",
        lambda: platform.found(
            "authorization", f"/tokens/{sc.emsp_country_code}/{sc.emsp_party_id}/{sc.token_uid}"
        ),
    )
    return sc


async def test_a_201_session_is_normalized_and_priced_like_a_16_one(
    stack: Stack, platform: Platform, charging_site: scenario.Scenario
) -> None:
    sc = charging_site
    async with SimulatedStation201(stack.ocpp_url, sc.station_id) as cs:
        assert await cs.boot() == "Accepted"
        await cs.status(2, 1, "Occupied", T0)
        assert await cs.authorize(sc.token_uid) == "Accepted"
        tx = cs.transaction(evse_id=2)
        started = await tx.started(100_000, T0, id_token=sc.token_uid)
        assert started["idTokenInfo"]["status"] == "Accepted"
        await tx.updated([Reading(T0 + timedelta(minutes=15), 104_000, 16_000)])
        await tx.updated([Reading(T0 + timedelta(minutes=30), 108_500, 18_000)])
        await tx.ended(112_500, T0 + timedelta(minutes=45), stopped_reason="EVDisconnected")
        await cs.heartbeat()

    events = await eventually_logged(
        platform, "gateway", about_station(sc.station_id, *TX_EVENTS), 4, "transaction events"
    )
    start, *updates, end = events
    assert start.type == "station.transaction_started"
    assert start.payload["transaction_id"] == tx.transaction_id
    assert start.payload["location"]["evse_uid"] == f"EVSE-{sc.suffix}-2"
    assert start.payload["ocpp_connector_id"] == 2
    assert (start.payload["meter_start_wh"], start.payload["seq_no"]) == (100_000, 0)
    assert start.payload["authorization"]["status"] == "ACCEPTED"
    assert [u.payload["seq_no"] for u in updates] == [1, 2]
    assert updates[1].payload["samples"][0]["energy_wh"] == 108_500
    assert updates[1].payload["samples"][0]["power_w"] == 18_000
    assert end.type == "station.transaction_ended"
    assert (end.payload["meter_stop_wh"], end.payload["reason"]) == (112_500, "EVDisconnected")
    assert {e.headers["evroam_correlation_id"] for e in events} == {
        start.payload["charging_session_id"]
    }

    statuses = await logged(
        platform, "gateway", about_station(sc.station_id, "station.status_changed")
    )
    assert (statuses[0].payload["evse_uid"], statuses[0].payload["status"]) == (
        f"EVSE-{sc.suffix}-2",
        "OCCUPIED",
    )
    session = await scenario.session_of(platform, sc, T0)
    assert Decimal(session["kwh"]) == Decimal("12.5")
    assert session["total_cost"] == {"excl_vat": 4.38, "incl_vat": 5.29}


async def test_a_seq_no_gap_is_reported_and_the_late_message_still_taken(
    stack: Stack, platform: Platform, charging_site: scenario.Scenario
) -> None:
    sc = charging_site
    at = T0 + timedelta(days=1)
    async with SimulatedStation201(stack.ocpp_url, sc.station_id) as cs:
        tx = cs.transaction(evse_id=1)
        await tx.started(5_000, at, id_token=sc.token_uid)
        await tx.updated([Reading(at + timedelta(minutes=10), 6_000)])  # seqNo 1
        await tx.ended(9_000, at + timedelta(minutes=30), seq_no=4)  # 2 and 3 never came
        await tx.updated([Reading(at + timedelta(minutes=20), 7_500)], seq_no=3)  # late
    events = await transaction_events(platform, tx.transaction_id, 5)
    missing = [e for e in events if e.type == "station.transaction_events_missing"]
    assert [m.payload["missing_seq_nos"] for m in missing] == [[2, 3]]
    late = [e for e in events if e.payload.get("seq_no") == 3]
    assert late[0].type == "station.meter_values_sampled"


async def test_a_transaction_event_retried_under_a_new_message_id_is_logged_once(
    stack: Stack, platform: Platform, charging_site: scenario.Scenario
) -> None:
    sc = charging_site
    at = T0 + timedelta(days=2)
    async with SimulatedStation201(stack.ocpp_url, sc.station_id) as cs:
        tx = cs.transaction(evse_id=1)
        first = await tx.started(1_000, at, id_token=sc.token_uid)
        again = await tx.started(1_000, at, id_token=sc.token_uid, seq_no=0)  # E13 retry
        await tx.ended(2_000, at + timedelta(minutes=5))
    assert first == again
    events = await transaction_events(platform, tx.transaction_id, 2)
    assert [e.type for e in events] == ["station.transaction_started", "station.transaction_ended"]


async def test_an_offline_replay_is_flagged_and_keeps_the_stations_own_times(
    stack: Stack, platform: Platform, charging_site: scenario.Scenario
) -> None:
    sc = charging_site
    hours_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    async with SimulatedStation201(stack.ocpp_url, sc.station_id) as cs:
        tx = cs.transaction(evse_id=1)
        await tx.started(50_000, hours_ago, id_token=sc.token_uid, offline=True)
        await tx.ended(53_000, hours_ago + timedelta(minutes=40), offline=True)
    start, end = await transaction_events(platform, tx.transaction_id, 2)
    assert start.payload["offline"] is True
    assert end.payload["offline"] is True
    assert datetime.fromisoformat(start.payload["started_at"]) == hours_ago
    assert datetime.fromisoformat(end.payload["ended_at"]) == hours_ago + timedelta(minutes=40)


async def test_an_ended_arriving_before_its_started_still_opens_and_closes_a_session(
    stack: Stack, platform: Platform, charging_site: scenario.Scenario
) -> None:
    sc = charging_site
    at = T0 + timedelta(days=3)
    async with SimulatedStation201(stack.ocpp_url, sc.station_id) as cs:
        tx = cs.transaction(evse_id=2)
        tx.next_seq_no = 2
        answer = await tx.ended(30_000, at + timedelta(minutes=20), id_token=sc.token_uid)
        assert answer["idTokenInfo"]["status"] == "Accepted"
        await tx.started(25_000, at, id_token=sc.token_uid, seq_no=0)
    events = await transaction_events(platform, tx.transaction_id, 3)
    opened, ended, late = events
    assert [e.type for e in events] == [
        "station.transaction_started",
        "station.transaction_ended",
        "station.transaction_started",
    ]
    # An Ended names no EVSE (E01.FR.16: only the first message after plug-in does), so
    # the station's first EVSE is assumed until the real start says otherwise.
    assert (opened.payload["opened_by"], opened.payload["location"]["evse_uid"]) == (
        "Ended",
        f"EVSE-{sc.suffix}-1",
    )
    assert ended.payload["meter_stop_wh"] == 30_000
    # The late Started is logged as the session's own start, with its time and reading.
    assert late.payload["charging_session_id"] == opened.payload["charging_session_id"]
    assert (late.payload["opened_by"], late.payload["meter_start_wh"]) == ("Started", 25_000)
    assert datetime.fromisoformat(late.payload["started_at"]) == at


async def test_reports_security_events_and_availability_events_are_logged(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    at = datetime.now(UTC).replace(microsecond=0)
    async with SimulatedStation201(stack.ocpp_url, station_id) as cs:
        await cs.boot()
        await cs.security_event("StartupOfTheDevice", at, "cold boot")
        await cs.notify_report(
            9,
            [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "variableAttribute": [{"value": "300"}],
                }
            ],
        )
        await cs.notify_event(
            [
                {
                    "eventId": 1,
                    "timestamp": at.isoformat(),
                    "trigger": "Delta",
                    "actualValue": "Faulted",
                    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                    "variable": {"name": "AvailabilityState"},
                    "eventNotificationType": "HardWiredNotification",
                }
            ]
        )
        await cs.meter_values(0, [Reading(at, 1_234_567)])
    events = await eventually_logged(
        platform,
        "gateway",
        about_station(station_id, "station.notified", "station.status_changed"),
        5,
    )
    notified = {e.payload["action"]: e.payload for e in events if e.type == "station.notified"}
    assert set(notified) == {
        "SecurityEventNotification",
        "NotifyReport",
        "NotifyEvent",
        "MeterValues",
    }
    assert notified["SecurityEventNotification"]["detail"]["techInfo"] == "cold boot"
    assert notified["NotifyReport"]["detail"]["requestId"] == 9
    [status] = [e.payload for e in events if e.type == "station.status_changed"]
    assert (status["status"], status["ocpp_evse_id"]) == ("FAULTED", 1)
    assert status["evse_uid"] is not None


async def test_a_transaction_begun_by_plugging_in_is_authorized_by_a_later_id_token(
    stack: Stack, platform: Platform, charging_site: scenario.Scenario
) -> None:
    sc = charging_site
    at = T0 + timedelta(days=4)
    async with SimulatedStation201(stack.ocpp_url, sc.station_id) as cs:
        tx = cs.transaction(evse_id=1)
        plugged = await tx.started(40_000, at)  # TxStartPoint EVConnected: no idToken yet
        assert "idTokenInfo" not in plugged
        answer = await cs.transaction_event(
            "Updated",
            tx.transaction_id,
            1,
            "Authorized",
            at + timedelta(minutes=1),
            id_token={"idToken": sc.token_uid, "type": "ISO14443"},
        )
        assert answer["idTokenInfo"]["status"] == "Accepted"
        tx.next_seq_no = 2
        await tx.ended(41_000, at + timedelta(minutes=10))
    events = await transaction_events(platform, tx.transaction_id, 3)
    started, authorized = events[0], events[1]
    assert started.payload["authorization"]["status"] == "UNKNOWN"
    assert authorized.type == "station.transaction_authorized"
    assert authorized.payload["authorization"]["status"] == "ACCEPTED"
    assert authorized.payload["authorization"]["contract_id"] == sc.contract_id
    assert authorized.payload["seq_no"] == 1
