"""Signed meter values from real `ocpp` stations of both versions (OCMF, the Eichrecht format)
reach the session's `session.completed` event as OCPI SignedData: one value per signed
reading, Start / Intermediate / End, each decoding back to what the meter signed, with the
encoding method and the meter's public key; the numeric readings beside them are billed as
always, and a signed value the schema refuses is set aside with a warning, not the message."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_cli.log import Logged, eventually_logged
from evroam_testing.signed_meter import SignedMeter, payload_of
from evroam_testing.simulator import iso
from evroam_testing.stack import Stack
from evroam_testing.station import Reading, SimulatedStation16
from evroam_testing.station201 import SimulatedStation201

pytestmark = pytest.mark.flow


async def _completed(platform: Platform, station_id: str) -> dict[str, Any]:
    def keep(e: Logged) -> bool:
        return e.type == "session.completed" and e.payload.get("station_id") == station_id

    [done] = await eventually_logged(platform, "session", keep, what="session.completed")
    return done.payload


def _start() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=45)


def _decoded(value: dict[str, Any]) -> str:
    return base64.b64decode(value["signed_data"]).decode()


async def test_the_signed_values_of_a_16_session_reach_its_completion_as_signed_data(
    stack: Stack, platform: Platform, provisioned: tuple[scenario.Scenario, str]
) -> None:
    sc, _ = provisioned
    station_id = await scenario.station_priced_by(platform, sc)
    meter, t0 = SignedMeter(serial="EVR-16-0001"), _start()
    begin = Reading(t0, 10_000, context="Transaction.Begin")
    periodic = Reading(t0 + timedelta(minutes=20), 16_000)
    end = Reading(t0 + timedelta(minutes=45), 22_500, context="Transaction.End")
    async with SimulatedStation16(stack.ocpp_url, station_id, signed_meter=meter) as cs:
        await cs.boot()
        tx, _ = await cs.start_transaction(1, sc.token_uid, 10_000, t0)
        await cs.meter_values(1, tx, [begin])
        await cs.meter_values(1, tx, [periodic])
        # transactionData repeats the begin reading (and its signed value), as stations do.
        await cs.stop_transaction(tx, 22_500, end.at, transaction_data=[begin, end])

    done = await _completed(platform, station_id)

    assert Decimal(done["kwh"]) == Decimal("12.5")  # the registers beside the blobs
    signed = done["signed_data"]
    assert signed["encoding_method"] == "OCMF"
    assert "public_key" not in signed  # OCPP 1.6 carries no key
    values = signed["signed_values"]
    assert [v["nature"] for v in values] == ["Start", "Intermediate", "End"]
    blobs = [
        meter.ocmf(r.at, r.energy_wh, r.context or "Sample.Periodic")
        for r in (begin, periodic, end)
    ]
    assert [_decoded(v) for v in values] == blobs
    assert [v["plain_data"] for v in values] == [payload_of(b) for b in blobs]
    assert json.loads(values[-1]["plain_data"])["RD"][0]["RV"] == 22.5
    cdr = await scenario.cdr_of(platform, done["session_id"])
    assert cdr["signed_data"] == signed  # the driver can verify the CDR's energy


async def test_the_signed_values_of_a_201_session_reach_its_completion_with_the_key(
    stack: Stack, platform: Platform, provisioned: tuple[scenario.Scenario, str]
) -> None:
    sc, _ = provisioned
    station_id = await scenario.station_priced_by(platform, sc)
    meter, t0 = SignedMeter(serial="EVR-201-0001"), _start()
    async with SimulatedStation201(stack.ocpp_url, station_id, signed_meter=meter) as cs:
        await cs.boot()
        tx = cs.transaction(evse_id=1)
        await tx.started(10_000, t0, id_token=sc.token_uid)
        await tx.updated([Reading(t0 + timedelta(minutes=20), 16_000)])
        # A signedMeterValue without its publicKey (the schema requires one): the message is
        # answered and its reading taken; only the signed value is set aside, with a warning.
        at = t0 + timedelta(minutes=30)
        bad = dict(meter.signed_meter_value(at, 19_000, "Sample.Periodic"))
        del bad["publicKey"]
        value = {"value": 19_000, "context": "Sample.Periodic", "signedMeterValue": bad}
        payload = {
            "eventType": "Updated",
            "timestamp": iso(at),
            "triggerReason": "MeterValuePeriodic",
            "seqNo": tx.next_seq_no,
            "transactionInfo": {"transactionId": tx.transaction_id},
            "meterValue": [{"timestamp": iso(at), "sampledValue": [value]}],
        }
        answer = await cs.send_raw(json.dumps([2, "bad-signed-1", "TransactionEvent", payload]))
        tx.next_seq_no += 1
        await tx.ended(22_500, t0 + timedelta(minutes=45))

    assert answer == [3, "bad-signed-1", {}]
    done = await _completed(platform, station_id)

    assert Decimal(done["kwh"]) == Decimal("12.5")
    signed = done["signed_data"]
    assert (signed["encoding_method"], signed["public_key"]) == ("OCMF", meter.public_key)
    values = signed["signed_values"]
    assert [v["nature"] for v in values] == ["Start", "Intermediate", "End"]
    start = meter.signed_meter_value(t0, 10_000, "Transaction.Begin")
    assert values[0]["signed_data"] == start["signedMeterData"]  # base64 already: as sent
    end_text = meter.ocmf(t0 + timedelta(minutes=45), 22_500, "Transaction.End")
    assert (_decoded(values[-1]), values[-1]["plain_data"]) == (end_text, payload_of(end_text))
    assert any("lacks publicKey" in w for w in done["warnings"])
    assert not any('"RV":19.0' in v["plain_data"] for v in values)
    # The warning holds the CDR for review; the draft carries the signed values all the same.
    review = await platform.eventually(
        "CDR held",
        "cdr",
        lambda: platform.found("cdr", "/reviews", session_id=done["session_id"]),
    )
    assert "SESSION_WARNING" in review[0]["reason_codes"]
    held = (await platform.get("cdr", f"/reviews/{review[0]['cdr_id']}")).json()
    assert held["cdr"]["signed_data"] == signed
