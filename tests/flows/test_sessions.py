"""Charging sessions from real `ocpp` stations of both versions (issue: session robustness):
the session's energy, times, periods and cost match what the station sent and what the
tariff says at every update and at the end, and what real chargers send is taken as it
comes: stops without starts, Ended before Started, meter resets, clocks that are off, late
offline transactions, duplicates, stations that reboot without ending a transaction. The
module ends by rebuilding the session tables from the log (identical checksums)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_cli.log import logged
from evroam_testing.stack import Stack
from evroam_testing.station import Reading, SimulatedStation16
from evroam_testing.station201 import SimulatedStation201

pytestmark = pytest.mark.flow
Row = dict[str, Any]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def _session(
    platform: Platform, station_id: str, ok: Callable[[Row], bool], what: str, timeout_s: float = 30
) -> Row:
    """The station's session once `ok` says it is as expected."""

    async def probe() -> Row | None:
        rows = await platform.found("session", "/sessions", station_id=station_id)
        return next((r for r in rows or [] if ok(r)), None)

    return await platform.eventually(what, "session", probe, timeout_s)


def _cost(row: Row) -> tuple[Decimal, Decimal]:
    total = row["total_cost"]
    return Decimal(str(total["excl_vat"])), Decimal(str(total["incl_vat"]))


def _kwh(row: Row) -> Decimal:
    return Decimal(str(row["kwh"]))


def _energy_in_periods(row: Row) -> Decimal:
    return sum(
        (
            Decimal(str(d["volume"]))
            for p in row["charging_periods"]
            for d in p["dimensions"]
            if d["type"] == "ENERGY"
        ),
        Decimal(0),
    )


async def test_a_16_session_matches_the_station_and_the_tariff_at_every_update_and_the_end(
    stack: Stack,
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = provisioned
    station_id = await scenario.station_priced_by(platform, sc)
    t0 = _now() - timedelta(minutes=45)
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        await cs.boot()
        tx, _ = await cs.start_transaction(1, sc.token_uid, 10_000, t0)
        await cs.status(1, "Charging", t0 + timedelta(seconds=30))
        live = await _session(platform, station_id, lambda r: r["status"] == "ACTIVE", "live")
        live_ones = await platform.found("session", "/sessions", status="ACTIVE")
        assert live["id"] in {r["id"] for r in live_ones or []}
        assert live["cdr_token"]["uid"] == sc.token_uid
        # (minutes, register Wh) -> expected (kWh, excl. VAT, incl. VAT) at 0.35 EUR/kWh, 21 %
        for minutes, wh, expected in (
            (15, 14_000, ("4", "1.40", "1.69")),
            (30, 18_500, ("8.5", "2.98", "3.60")),  # 2.975 and 3.59975, rounded half up once
        ):
            await cs.meter_values(1, tx, [Reading(t0 + timedelta(minutes=minutes), wh)])
            row = await _session(
                platform, station_id, lambda r, k=expected[0]: _kwh(r) == Decimal(k), "update"
            )
            assert _cost(row) == (Decimal(expected[1]), Decimal(expected[2]))
            assert _energy_in_periods(row) == Decimal(expected[0])
        await cs.status(1, "SuspendedEV", t0 + timedelta(minutes=40))
        await cs.stop_transaction(tx, 22_500, t0 + timedelta(minutes=45), "EVDisconnected")
    done = await _session(platform, station_id, lambda r: r["status"] == "COMPLETED", "done")
    assert _kwh(done) == _energy_in_periods(done) == Decimal("12.5")
    assert _cost(done) == (Decimal("4.38"), Decimal("5.29"))
    assert datetime.fromisoformat(done["start_date_time"]) == t0
    assert datetime.fromisoformat(done["end_date_time"]) == t0 + timedelta(minutes=45)
    # Parked (connected, not drawing) from SuspendedEV at 40 min to the stop at 45.
    assert Decimal(str(done["total_parking_time_h"])).quantize(Decimal("0.0001")) == Decimal(
        "0.0833"
    )
    # By token, changed in the last hour (OCPI date_from is on last_updated), counted.
    since = (_now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = await platform.get("session", "/sessions", token_uid=sc.token_uid, date_from=since)
    assert done["id"] in {row["id"] for row in r.json()}
    assert int(r.headers["X-Total-Count"]) == len(r.json())
    assert not await platform.found("session", "/sessions", token_uid="NOBODY")


async def test_a_201_session_matches_the_station_at_every_update_and_parks_when_suspended(
    stack: Stack,
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = provisioned
    station_id = await scenario.station_priced_by(platform, sc)
    t0 = _now() - timedelta(hours=1)
    async with SimulatedStation201(stack.ocpp_url, station_id) as cs:
        await cs.boot()
        tx = cs.transaction(evse_id=1)
        await tx.started(100_000, t0, id_token=sc.token_uid)
        await tx.updated([Reading(t0 + timedelta(minutes=20), 106_000)])
        row = await _session(platform, station_id, lambda r: _kwh(r) == 6, "first update")
        assert _cost(row) == (Decimal("2.10"), Decimal("2.54"))  # 2.541 -> 2.54
        await tx.updated(
            [Reading(t0 + timedelta(minutes=40), 110_000)], charging_state="SuspendedEV"
        )
        await tx.ended(110_000, t0 + timedelta(hours=1), stopped_reason="EVDisconnected")
    done = await _session(platform, station_id, lambda r: r["status"] == "COMPLETED", "done")
    assert _kwh(done) == Decimal(10)
    assert _cost(done) == (Decimal("3.50"), Decimal("4.24"))  # 4.235 -> 4.24
    assert Decimal(str(done["total_parking_time_h"])).quantize(Decimal("0.01")) == Decimal("0.33")
    assert datetime.fromisoformat(done["end_date_time"]) == t0 + timedelta(hours=1)


async def test_a_stop_without_a_start_is_reconstructed_from_its_readings_or_declared_invalid(
    stack: Stack,
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = provisioned
    with_data, without = (
        await scenario.station_priced_by(platform, sc),
        await scenario.station_priced_by(platform, sc),
    )
    at = _now()
    async with SimulatedStation16(stack.ocpp_url, with_data) as cs:
        await cs.stop_transaction(
            555_001,
            14_000,
            at,
            id_tag=sc.token_uid,
            transaction_data=[Reading(at - timedelta(minutes=30), 10_000)],
        )
    async with SimulatedStation16(stack.ocpp_url, without) as cs:
        await cs.stop_transaction(555_002, 5_000, at)
    rebuilt = await _session(platform, with_data, lambda r: r["status"] == "COMPLETED", "rebuilt")
    assert _kwh(rebuilt) == 4
    assert datetime.fromisoformat(rebuilt["start_date_time"]) == at - timedelta(minutes=30)
    assert any("reconstructed" in w for w in rebuilt["warnings"])
    invalid = await _session(platform, without, lambda r: r["status"] == "INVALID", "invalid")
    assert "before any accepted token" in invalid["invalid_reason"]


async def test_an_ended_before_its_started_is_completed_when_the_start_arrives(
    stack: Stack,
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = provisioned
    station_id = await scenario.station_priced_by(platform, sc)
    at = _now() - timedelta(minutes=20)
    async with SimulatedStation201(stack.ocpp_url, station_id) as cs:
        tx = cs.transaction(evse_id=1)
        tx.next_seq_no = 1
        await tx.ended(30_000, at + timedelta(minutes=20), id_token=sc.token_uid)
        await _session(platform, station_id, lambda r: r["status"] == "INVALID", "held")
        await tx.started(25_000, at, id_token=sc.token_uid, seq_no=0)
    done = await _session(platform, station_id, lambda r: r["status"] == "COMPLETED", "done")
    assert _kwh(done) == 5
    assert datetime.fromisoformat(done["start_date_time"]) == at
    assert _cost(done) == (Decimal("1.75"), Decimal("2.12"))  # 2.1175 -> 2.12


async def test_meter_resets_clock_offsets_and_late_offline_transactions_are_measured_right(
    stack: Stack,
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = provisioned
    reset, ahead, offline = (
        await scenario.station_priced_by(platform, sc),
        await scenario.station_priced_by(platform, sc),
        await scenario.station_priced_by(platform, sc),
    )
    now = _now()
    async with SimulatedStation16(stack.ocpp_url, reset) as cs:
        tx, _ = await cs.start_transaction(1, sc.token_uid, 50_000, now - timedelta(minutes=30))
        await cs.meter_values(1, tx, [Reading(now - timedelta(minutes=20), 52_000)])
        await cs.meter_values(1, tx, [Reading(now - timedelta(minutes=10), 1_000)])  # reset
        await cs.stop_transaction(tx, 3_000, now)
    skew = timedelta(hours=2)  # this station's clock is two hours ahead, messages are live
    async with SimulatedStation16(stack.ocpp_url, ahead) as cs:
        tx, _ = await cs.start_transaction(1, sc.token_uid, 0, _now() + skew)
        await cs.meter_values(1, tx, [Reading(_now() + skew, 1_000)])
        await cs.stop_transaction(tx, 2_000, _now() + skew)
    began = now - timedelta(hours=5)  # offline for hours: its queue is replayed in a burst
    async with SimulatedStation16(stack.ocpp_url, offline) as cs:
        tx, _ = await cs.start_transaction(1, sc.token_uid, 7_000, began)
        await cs.meter_values(1, tx, [Reading(began + timedelta(minutes=30), 9_000)])
        await cs.stop_transaction(tx, 11_000, began + timedelta(hours=1))

    done = await _session(platform, reset, lambda r: r["status"] == "COMPLETED", "reset")
    assert _kwh(done) == 4  # 2 kWh before the reset, 2 kWh after it
    assert any("meter reset" in w for w in done["warnings"])
    done = await _session(platform, ahead, lambda r: r["status"] == "COMPLETED", "skewed")
    assert abs(datetime.fromisoformat(done["start_date_time"]) - now) < timedelta(minutes=1)
    [offset] = [int(w.split("off by ")[1].split(" s")[0]) for w in done["warnings"] if "clock" in w]
    assert abs(offset - 7200) <= 2  # whole seconds; each message stamped when it was sent
    done = await _session(platform, offline, lambda r: r["status"] == "COMPLETED", "offline")
    assert (datetime.fromisoformat(done["start_date_time"]), _kwh(done)) == (began, 4)
    assert not done["warnings"]


async def test_a_duplicate_reading_changes_nothing_and_a_forgotten_session_is_closed_on_reboot(
    stack: Stack,
    platform: Platform,
    provisioned: tuple[scenario.Scenario, str],
) -> None:
    sc, _ = provisioned
    station_id = await scenario.station_priced_by(platform, sc)
    t0 = _now() - timedelta(minutes=30)
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        await cs.boot()
        tx, _ = await cs.start_transaction(1, sc.token_uid, 1_000, t0)
        for _ in range(2):
            await cs.meter_values(1, tx, [Reading(t0 + timedelta(minutes=10), 3_000)])
        row = await _session(platform, station_id, lambda r: _kwh(r) == 2, "update")
        assert row["status"] == "ACTIVE"
    async with SimulatedStation16(stack.ocpp_url, station_id) as cs:
        await cs.boot()  # rebooted: it has forgotten the transaction, and never ends it
    done = await _session(platform, station_id, lambda r: r["status"] == "COMPLETED", "closed")
    assert _kwh(done) == 2
    assert datetime.fromisoformat(done["end_date_time"]) == t0 + timedelta(minutes=10)
    assert any("rebooted" in w for w in done["warnings"])
    # Every event of the session, also those a station event caused (the reboot, the close),
    # carries the charging session's correlation id.
    events = await logged(platform, "session", lambda e: e.payload["session_id"] == done["id"])
    assert {"session.started", "session.updated", "session.completed"} <= {e.type for e in events}
    assert {e.headers["evroam_correlation_id"] for e in events} == {done["id"]}


async def test_the_session_tables_rebuilt_from_the_log_are_identical(platform: Platform) -> None:
    report = await platform.verify_projections("session")
    assert report["equal"], report
    [sessions] = report["projections"]
    assert sessions["live_checksums"] == sessions["rebuilt_checksums"]
