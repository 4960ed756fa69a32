"""Signed meter values in OCPP MeterValue lists become `SignedReading`s, kept exactly as sent.

- OCPP 1.6: a SampledValue of format `SignedData`; its `value` is the signed blob (an OCMF
  string `OCMF|{payload}|{signature}`, or a vendor's hex block), not a number. The station
  names no encoding, signing method or key.
- OCPP 2.0.1: `SampledValueType.signedMeterValue {signedMeterData, signingMethod,
  encodingMethod, publicKey}` beside the value's number (all four required by the schema;
  an empty publicKey is "not sent", PublicKeyWithSignedMeterValue).

A signed value the gateway cannot take is refused on its own: the message is answered and its
numeric readings are taken as always, and the refusal (with its reason) travels in the event's
`signed_refused`, from which the session service warns about the session. Refused are: a blob
that is empty or longer than 5000 characters (OCPI SignedValue holds up to 5000), and, in
OCPP 2.0.1, a `signedMeterValue` the schema would refuse (a field missing, too long, or not a
string). The latter is set aside before the `ocpp` library validates the message
(`set_aside_invalid`), because the library would refuse the whole TransactionEvent and the
station, retrying in vain, would finally discard its transaction data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evroam_contracts.shared import SignedReading
from evroam_gateway.domain.meter import ENERGY, parse_timestamp

MAX_SIGNED_DATA = 5000
SIGNED_DATA_FORMAT = "SignedData"
# OCPP 2.0.1 SignedMeterValueType: every field required, with its maxLength.
SIGNED_METER_VALUE_201 = {
    "signedMeterData": 2500,
    "signingMethod": 50,
    "encodingMethod": 50,
    "publicKey": 2500,
}
_ALLOWED_201 = frozenset({*SIGNED_METER_VALUE_201, "customData"})


@dataclass(frozen=True)
class Signed:
    """The signed values of a message that were taken, and why any others were not."""

    readings: tuple[SignedReading, ...] = ()
    refused: tuple[str, ...] = ()

    def __add__(self, other: Signed) -> Signed:
        return Signed(self.readings + other.readings, self.refused + other.refused)


def refusal(at: str, problem: str) -> str:
    return f"signed meter value of {at} refused: {problem}; the reading was taken without it"


def _blob_problem(blob: object) -> str | None:
    if not isinstance(blob, str) or not blob:
        return "it carries no signed data"
    if len(blob) > MAX_SIGNED_DATA:
        return f"its signed data is longer than {MAX_SIGNED_DATA} characters ({len(blob)})"
    return None


def _reading(at: datetime, v: Mapping[str, Any]) -> SignedReading | str:
    """The signed reading of one sampled value (snake_case keys), or why it is refused."""
    station = v.get("signed_meter_value")
    if isinstance(station, Mapping):  # OCPP 2.0.1
        blob = station.get("signed_meter_data")
        named = {
            "encoding_method": station.get("encoding_method") or None,
            "signing_method": station.get("signing_method") or None,
            "public_key": station.get("public_key") or None,
        }
    else:  # OCPP 1.6 format SignedData
        blob, named = v.get("value"), {}
    problem = _blob_problem(blob)
    if problem is not None:
        return refusal(at.isoformat(), problem)
    return SignedReading(
        at=at,
        signed_data=blob,
        context=v.get("context") or "Sample.Periodic",
        measurand=v.get("measurand") or ENERGY,
        **named,
    )


def is_signed_data(v: Mapping[str, Any]) -> bool:
    """An OCPP 1.6 SampledValue whose value is a signed blob, not a number."""
    return v.get("format") == SIGNED_DATA_FORMAT


def signed_readings(meter_value: Iterable[Mapping[str, Any]]) -> Signed:
    """The signed values of a MeterValue list as the `ocpp` library hands it to handlers
    (snake_case keys, schema-valid), in the order sent. A bad timestamp raises
    MeterValueError, as it does for the numeric readings."""
    readings: list[SignedReading] = []
    refused: list[str] = []
    for element in meter_value:
        values = [
            v
            for v in element.get("sampled_value", ())
            if is_signed_data(v) or v.get("signed_meter_value") is not None
        ]
        if not values:
            continue
        at = parse_timestamp(str(element["timestamp"]))
        for v in values:
            taken = _reading(at, v)
            if isinstance(taken, str):
                refused.append(taken)
            else:
                readings.append(taken)
    return Signed(tuple(readings), tuple(refused))


def _schema_problem(signed: object) -> str | None:
    """Why an OCPP 2.0.1 signedMeterValue (camelCase, as sent) breaks its schema, if it does."""
    if not isinstance(signed, Mapping):
        return "signedMeterValue is not an object"
    missing = [k for k in SIGNED_METER_VALUE_201 if k not in signed]
    if missing:
        return f"signedMeterValue lacks {', '.join(missing)}"
    for key, limit in SIGNED_METER_VALUE_201.items():
        value = signed[key]
        if not isinstance(value, str):
            return f"signedMeterValue.{key} is not a string"
        if len(value) > limit:
            return f"signedMeterValue.{key} is longer than {limit} characters ({len(value)})"
    unknown = sorted(set(signed) - _ALLOWED_201)
    if unknown:
        return f"signedMeterValue has unknown fields {', '.join(unknown)}"
    return None


def set_aside_invalid(payload: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """An OCPP 2.0.1 TransactionEvent or MeterValues payload (camelCase, as sent, before
    schema validation) without the signedMeterValues its schema would refuse, and why each
    was set aside. Everything else is left as it is, for the library to validate."""
    meter_value = payload.get("meterValue")
    if not isinstance(meter_value, list):
        return dict(payload), ()
    refused: list[str] = []
    elements = []
    for element in meter_value:
        sampled = element.get("sampledValue") if isinstance(element, Mapping) else None
        if not isinstance(sampled, list):
            elements.append(element)
            continue
        values = []
        for v in sampled:
            problem = _schema_problem(v["signedMeterValue"]) if _has_signed(v) else None
            if problem is None:
                values.append(v)
                continue
            refused.append(refusal(str(element.get("timestamp")), problem))
            values.append({k: x for k, x in v.items() if k != "signedMeterValue"})
        elements.append({**element, "sampledValue": values})
    if not refused:
        return dict(payload), ()
    return {**payload, "meterValue": elements}, tuple(refused)


def _has_signed(v: object) -> bool:
    return isinstance(v, Mapping) and "signedMeterValue" in v
