"""OCPP 1.6J station messages the walking skeleton does not play (issue: charger gateway):
each becomes a normalized event, and transaction messages the way real chargers send them
(late after an offline spell, a stop for a transaction never started, a stop with its
transactionData) are taken, never refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from ocpp.v16 import call

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_cli.log import about_station, eventually_logged
from evroam_testing.stack import Stack
from evroam_testing.station import Reading, SimulatedStation16

pytestmark = pytest.mark.flow
NewStation = Callable[..., Awaitable[str]]
TX_EVENTS = (
    "station.transaction_started",
    "station.meter_values_sampled",
    "station.transaction_ended",
)


async def test_reporting_messages_are_logged_as_station_notifications(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    at = datetime.now(UTC).replace(microsecond=0)
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        assert await cs.boot() == "Accepted"
        assert (await cs.data_transfer("com.vendor", "ping", "42"))["status"] == "UnknownVendorId"
        await cs.diagnostics_status("Uploaded")
        await cs.firmware_status("Installed")
        await cs.meter_values(0, None, [Reading(at, 9_876_543)])
        await cs.call(
            call.SecurityEventNotification(
                type="FirmwareUpdated", timestamp=at.isoformat(), tech_info="v2.1"
            )
        )
        await cs.heartbeat()
    events = await eventually_logged(
        platform, "gateway", about_station(station_id, "station.notified"), 5, "notifications"
    )
    by_action = {e.payload["action"]: e.payload["detail"] for e in events}
    assert by_action["DataTransfer"]["vendorId"] == "com.vendor"
    assert by_action["DiagnosticsStatusNotification"] == {"status": "Uploaded"}
    assert by_action["FirmwareStatusNotification"] == {"status": "Installed"}
    assert by_action["SecurityEventNotification"]["type"] == "FirmwareUpdated"
    assert by_action["MeterValues"]["connectorId"] == 0
    assert {e.payload["ocpp_version"] for e in events} == {"1.6"}


async def test_status_of_the_station_and_of_a_connector_with_an_error(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        await cs.status(0, "Unavailable")
        await cs.status(1, "Faulted", error_code="GroundFailure")
    station, connector = await eventually_logged(
        platform, "gateway", about_station(station_id, "station.status_changed"), 2
    )
    assert (station.payload["ocpp_connector_id"], station.payload.get("evse_uid")) == (0, None)
    assert station.payload["status"] == "UNAVAILABLE"
    assert connector.payload["evse_uid"] is not None
    assert (connector.payload["status"], connector.payload["error_code"]) == (
        "FAULTED",
        "GroundFailure",
    )


async def test_a_late_offline_transaction_is_taken_with_its_own_times_and_readings(
    stack: Stack,
    platform: Platform,
    new_station: NewStation,
    provisioned: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = provisioned
    station_id = await new_station()
    began = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        tx_id, status = await cs.start_transaction(1, sc.token_uid, 20_000, began)
        assert status == "Accepted"
        await cs.meter_values(1, tx_id, [Reading(began + timedelta(minutes=30), 23_000)])
        await cs.stop_transaction(
            tx_id,
            26_000,
            began + timedelta(hours=1),
            "EVDisconnected",
            transaction_data=[
                Reading(began, 20_000),
                Reading(began + timedelta(minutes=45), 24_500),
            ],
        )
    start, meter, end = await eventually_logged(
        platform, "gateway", about_station(station_id, *TX_EVENTS), 3, "transaction events"
    )
    assert start.payload["offline"] is True
    assert datetime.fromisoformat(start.payload["started_at"]) == began
    assert meter.payload["samples"][0]["energy_wh"] == 23_000
    assert end.payload["meter_stop_wh"] == 26_000
    assert [s["energy_wh"] for s in end.payload["samples"]] == [20_000, 24_500]
    assert end.payload["reason"] == "EVDisconnected"


async def test_a_stop_for_a_transaction_never_started_is_kept_not_refused(
    stack: Stack, platform: Platform, new_station: NewStation
) -> None:
    station_id = await new_station()
    at = datetime.now(UTC).replace(microsecond=0)
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        answer = await cs.stop_transaction(987_654, 5_000, at)
        assert "idTagInfo" not in answer  # accepted: a CALLERROR would make it retry, then drop
    start, end = await eventually_logged(
        platform, "gateway", about_station(station_id, *TX_EVENTS), 2, "transaction events"
    )
    assert start.payload["transaction_id"] == end.payload["transaction_id"] == "987654"
    assert start.payload["authorization"]["status"] == "UNKNOWN"
    assert end.payload["meter_stop_wh"] == 5_000
