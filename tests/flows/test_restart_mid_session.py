"""Independent deploys (issue 10, deliverable 7): the gateway is restarted in the middle of a
charging session, as a rolling deploy would, and nothing is lost. The station is connected
when its gateway goes away; it reconnects to the new one (without rebooting, as a charger
that only lost its connection does) and carries on with the same transaction. The session
completes with every meter value, exactly one CDR has the right energy and cost, and the
driver's eMSP finds it on its settlement statement.

The gateway is the service whose restart proves most: it holds the station's connection and
its transaction context (transaction id to charging session, the trace), and answers the
station only once an event is durable; the services behind it are Kafka consumers that catch
up from their committed offsets (the billing restart in test_platform_guarantees)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_cli.trace import collect
from evroam_testing.stack import Stack
from evroam_testing.station import Reading, SimulatedStation16

pytestmark = pytest.mark.flow
START = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
METER_START_WH = 50_000
ENERGY_WH = (4000, 5500, 3000)  # one MeterValues each; 12.5 kWh


def _register(step: int) -> tuple[datetime, int]:
    """When the station reads its meter after `step` MeterValues, and what it reads."""
    return START + step * STEP, METER_START_WH + sum(ENERGY_WH[:step])


def _money(amount: dict[str, Any]) -> tuple[Decimal, Decimal]:
    return Decimal(str(amount["excl_vat"])), Decimal(str(amount["incl_vat"]))


async def test_a_gateway_restart_in_the_middle_of_a_session_loses_nothing(
    platform: Platform, stack: Stack
) -> None:
    sc = scenario.Scenario.new()
    await scenario.provision(platform, sc)
    async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
        assert await cs.boot() == "Accepted"
        assert await cs.authorize(sc.token_uid) == "Accepted"
        await cs.status(1, "Preparing", START)
        tx, status = await cs.start_transaction(1, sc.token_uid, METER_START_WH, START)
        assert status == "Accepted"
        await cs.status(1, "Charging", START)
        for step in (1, 2):
            at, wh = _register(step)
            await cs.meter_values(1, tx, [Reading(at, wh, 16_000)])
        await stack.astop("gateway")  # the station's connection drops with it
    await stack.astart("gateway")
    async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
        at, wh = _register(3)
        await cs.meter_values(1, tx, [Reading(at, wh, 12_000)])
        await cs.stop_transaction(tx, wh, at)
        await cs.status(1, "Available", at)

    session = await scenario.session_of(platform, sc, START)
    cdr = await scenario.cdr_of(platform, session["id"])
    line = await scenario.statement_line_of(platform, cdr["id"])

    assert session["transaction_id"] == str(tx)  # one session, carried across the restart
    assert Decimal(str(session["kwh"])) == Decimal("12.5")
    steps = await collect(stack.infra.kafka_bootstrap_servers, session["id"])
    sampled = [s for s in steps if s.type == "station.meter_values_sampled"]
    assert len(sampled) == len(ENERGY_WH)  # every MeterValues, each once
    assert [s.type for s in steps].count("session.completed") == 1
    cdrs = (await platform.get("cdr", "/cdrs", session_id=session["id"])).json()
    assert [c["id"] for c in cdrs] == [cdr["id"]]  # exactly one CDR
    assert Decimal(str(cdr["total_energy"])) == Decimal("12.5")
    # 12.5 kWh at EUR 0.35 excl. VAT, 21 % VAT: 4.375 and 5.29375, rounded once (ADR 0007).
    assert _money(cdr["total_cost"]) == (Decimal("4.38"), Decimal("5.29"))
    assert _money(cdr["total_cost"]) == _money(session["total_cost"])
    assert _money(line["amount"]) == _money(cdr["total_cost"])
