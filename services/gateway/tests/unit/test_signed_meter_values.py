"""Signed meter values (OCPP 1.6 format SignedData, OCPP 2.0.1 signedMeterValue) become
SignedReadings kept exactly as sent; they never break the numeric reading beside them, and a
bad one is refused on its own, with the reason, the rest of the message being taken."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from ocpp.messages import Call, validate_payload

from evroam_contracts.shared import SignedReading
from evroam_gateway.domain.meter import to_samples
from evroam_gateway.domain.signed import Signed, set_aside_invalid, signed_readings

AT = "2026-03-02T09:00:00Z"
T = datetime(2026, 3, 2, 9, tzinfo=UTC)
OCMF = (
    'OCMF|{"FV":"1.0","GI":"evroam sim","GS":"SIM-0001","PG":"T1","RD":[{"TM":'
    '"2026-03-02T09:00:00,000+0000 S","TX":"B","RV":1.234,"RI":"1-b:1.8.0","RU":"kWh"}]}'
    '|{"SA":"ECDSA-secp256r1-SHA256","SD":"3045022100ab"}'
)
KEY = "3059301306072a8648ce3d020106082a8648ce3d03010703420004aa"


def signed_16(value: str, context: str = "Transaction.Begin") -> dict[str, Any]:
    return {"value": value, "context": context, "format": "SignedData"}


def register_16(wh: int) -> dict[str, Any]:
    return {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}


def element(*sampled_value: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"timestamp": AT, "sampled_value": list(sampled_value)}]


# OCPP 1.6


@pytest.mark.parametrize("signed_first", [True, False])
def test_a_16_signed_value_beside_the_register_is_no_energy_reading(signed_first: bool) -> None:
    # Its measurand defaults to the energy register, but its value is a blob: read as the
    # register, it refused the whole MeterValues (blob first) or was one bad parse away.
    values = [signed_16(OCMF), register_16(1234)]
    meter_value = element(*(values if signed_first else reversed(values)))

    [sample] = to_samples(meter_value)
    [reading] = signed_readings(meter_value).readings

    assert (sample.at, sample.energy_wh) == (T, 1234)
    assert reading == SignedReading(at=T, signed_data=OCMF, context="Transaction.Begin")


def test_a_16_signed_value_alone_is_a_signed_reading_and_no_sample() -> None:
    meter_value = element(signed_16("0a1b2c3d", context="Transaction.End"))

    assert to_samples(meter_value) == []
    assert signed_readings(meter_value) == Signed(
        (SignedReading(at=T, signed_data="0a1b2c3d", context="Transaction.End"),)
    )


def test_a_16_signed_value_without_a_context_is_a_periodic_energy_reading() -> None:
    [reading] = signed_readings(element({"value": OCMF, "format": "SignedData"})).readings

    assert (reading.context, reading.measurand) == (
        "Sample.Periodic",
        "Energy.Active.Import.Register",
    )
    assert (reading.encoding_method, reading.signing_method, reading.public_key) == (None,) * 3


def test_raw_values_carry_no_signed_readings() -> None:
    assert signed_readings(element(register_16(1), {"value": "7", "format": "Raw"})) == Signed()


@pytest.mark.parametrize(
    ("blob", "why"),
    [
        ("", "it carries no signed data"),
        ("A" * 5001, "its signed data is longer than 5000 characters (5001)"),
    ],
)
def test_a_bad_16_signed_value_is_refused_with_its_reason_and_the_register_is_kept(
    blob: str, why: str
) -> None:
    meter_value = element(register_16(1234), signed_16(blob))

    signed = signed_readings(meter_value)

    assert signed.readings == ()
    assert signed.refused == (
        f"signed meter value of {T.isoformat()} refused: {why}; the reading was taken without it",
    )
    assert [s.energy_wh for s in to_samples(meter_value)] == [1234]


def test_a_16_signed_value_of_exactly_5000_characters_is_taken() -> None:
    [reading] = signed_readings(element(signed_16("A" * 5000))).readings

    assert len(reading.signed_data) == 5000


# OCPP 2.0.1 (as the library hands it to handlers: snake_case, numeric values)


def energy_201(wh: float, signed: dict[str, Any] | None, context: str) -> dict[str, Any]:
    v: dict[str, Any] = {"value": wh, "context": context, "unit_of_measure": {"unit": "Wh"}}
    if signed is not None:
        v["signed_meter_value"] = signed
    return v


def signed_201(public_key: str = KEY) -> dict[str, Any]:
    return {
        "signed_meter_data": OCMF,
        "signing_method": "ECDSA-secp256r1-SHA256",
        "encoding_method": "OCMF",
        "public_key": public_key,
    }


def test_a_201_signed_meter_value_keeps_the_number_beside_it_and_what_the_station_named() -> None:
    meter_value = element(energy_201(1234.0, signed_201(), "Transaction.End"))

    [sample] = to_samples(meter_value)
    [reading] = signed_readings(meter_value).readings

    assert sample.energy_wh == 1234
    assert reading == SignedReading(
        at=T,
        signed_data=OCMF,
        context="Transaction.End",
        encoding_method="OCMF",
        signing_method="ECDSA-secp256r1-SHA256",
        public_key=KEY,
    )


def test_an_empty_201_public_key_is_a_key_not_sent() -> None:
    meter_value = element(energy_201(1, signed_201(public_key=""), "Sample.Periodic"))

    assert signed_readings(meter_value).readings[0].public_key is None


def test_an_empty_201_signed_meter_data_is_refused_and_the_number_kept() -> None:
    meter_value = element(energy_201(1, {**signed_201(), "signed_meter_data": ""}, "Sample.Clock"))

    signed = signed_readings(meter_value)

    assert (signed.readings, len(signed.refused)) == ((), 1)
    assert "carries no signed data" in signed.refused[0]
    assert to_samples(meter_value)[0].energy_wh == 1


# OCPP 2.0.1 before schema validation (as sent: camelCase)


def transaction_event(signed: dict[str, Any]) -> dict[str, Any]:
    value = {"value": 1234.5, "context": "Transaction.End", "signedMeterValue": signed}
    return {
        "eventType": "Ended",
        "timestamp": AT,
        "triggerReason": "StopAuthorized",
        "seqNo": 3,
        "transactionInfo": {"transactionId": "tx-1", "stoppedReason": "Local"},
        "meterValue": [{"timestamp": AT, "sampledValue": [value]}],
    }


VALID_201 = {
    "signedMeterData": OCMF,
    "signingMethod": "ECDSA-secp256r1-SHA256",
    "encodingMethod": "OCMF",
    "publicKey": KEY,
}


def schema_valid(payload: dict[str, Any]) -> None:
    asyncio.run(validate_payload(Call("m1", "TransactionEvent", payload), "2.0.1"))


def test_a_schema_valid_201_signed_meter_value_is_left_as_sent() -> None:
    payload = transaction_event(VALID_201)

    assert set_aside_invalid(payload) == (payload, ())


@pytest.mark.parametrize(
    ("signed", "why"),
    [
        ({k: v for k, v in VALID_201.items() if k != "publicKey"}, "lacks publicKey"),
        ({"signedMeterData": OCMF}, "lacks signingMethod, encodingMethod, publicKey"),
        ({**VALID_201, "signedMeterData": "A" * 2501}, "longer than 2500 characters (2501)"),
        ({**VALID_201, "encodingMethod": 7}, "signedMeterValue.encodingMethod is not a string"),
        ({**VALID_201, "extra": "x"}, "unknown fields extra"),
        ("OCMF|...", "signedMeterValue is not an object"),
    ],
)
def test_a_201_signed_meter_value_the_schema_refuses_is_set_aside_and_the_message_kept(
    signed: Any, why: str
) -> None:
    # The library would refuse the whole Ended (a CALLERROR; the station would retry, then
    # drop its transaction's end): only the signed value goes, and the reason is recorded.
    payload, refused = set_aside_invalid(transaction_event(signed))

    [value] = payload["meterValue"][0]["sampledValue"]
    assert value == {"value": 1234.5, "context": "Transaction.End"}
    assert payload["transactionInfo"] == {"transactionId": "tx-1", "stoppedReason": "Local"}
    [reason] = refused
    assert reason.startswith(f"signed meter value of {AT} refused: ")
    assert why in reason
    schema_valid(payload)  # the rest of the message now passes the library's validation
