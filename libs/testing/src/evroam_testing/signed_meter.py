"""A meter that signs its readings as German calibration law (Eichrecht) meters do, in OCMF
(Open Charge Metering Format 1.0, S.A.F.E. e.V.): `OCMF|{payload}|{signature}`.

The payload has the fields real meters send (gateway and meter identity, pagination, the
identification, and one reading `RD` with its time, transaction state `TX` (B begin, C
charging, E end), value and OBIS id); the signature is shaped like an ECDSA secp256r1 one but
is a hash, not a signature: the simulators need a realistic, deterministic blob, not a
verifiable one. The same reading signed again gives the same blob (a meter sends what it
stored), a new one the next pagination number.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SIGNING_METHOD = "ECDSA-secp256r1-SHA256"
# A secp256r1 public key in DER (SubjectPublicKeyInfo), hex as OCMF meters display it.
PUBLIC_KEY_HEX = (
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004"
    "5e3a1d7c0b9f4e2a8c6d1f3b7a9e5c2d4f6a8b0c1e3d5f7a9b2c4e6f8a0b1c3d"
    "2e4f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
)
TX = {"Transaction.Begin": "B", "Transaction.End": "E"}


@dataclass
class SignedMeter:
    """`ocmf(...)` signs one reading; `public_key` is base64 of the key (OCPP 2.0.1
    publicKey, OCPI public_key)."""

    serial: str = "EVR-SIM-0001"
    public_key_hex: str = PUBLIC_KEY_HEX
    _signed: dict[tuple[datetime, int, str], str] = field(default_factory=dict, repr=False)

    @property
    def public_key(self) -> str:
        return base64.b64encode(bytes.fromhex(self.public_key_hex)).decode()

    def ocmf(self, at: datetime, energy_wh: int, context: str, id_tag: str = "") -> str:
        """The OCMF text of one energy register reading taken in `context`."""
        key = (at, energy_wh, context)
        if key not in self._signed:
            payload = self._payload(at, energy_wh, context, id_tag, len(self._signed) + 1)
            self._signed[key] = f"OCMF|{payload}|{_signature(payload)}"
        return self._signed[key]

    def signed_meter_value(self, at: datetime, energy_wh: int, context: str) -> dict[str, str]:
        """OCPP 2.0.1 SignedMeterValueType: signedMeterData and publicKey base64, as its
        schema describes them."""
        blob = self.ocmf(at, energy_wh, context)
        return {
            "signedMeterData": base64.b64encode(blob.encode()).decode(),
            "signingMethod": SIGNING_METHOD,
            "encodingMethod": "OCMF",
            "publicKey": self.public_key,
        }

    def _payload(self, at: datetime, wh: int, context: str, id_tag: str, page: int) -> str:
        moment = at.astimezone(UTC)
        reading = {
            "TM": moment.strftime("%Y-%m-%dT%H:%M:%S,")
            + f"{moment.microsecond // 1000:03d}+0000 S",
            "TX": TX.get(context, "C"),
            "RV": wh / 1000,
            "RI": "1-b:1.8.0",
            "RU": "kWh",
            "RT": "AC",
            "EF": "",
            "ST": "G",
        }
        payload: dict[str, Any] = {
            "FV": "1.0",
            "GI": "evroam SIM",
            "GS": self.serial,
            "GV": "1.0",
            "PG": f"T{page}",
            "MV": "evroam",
            "MM": "sim-meter",
            "MS": self.serial,
            "IS": bool(id_tag),
            "IL": "VERIFIED" if id_tag else "NONE",
            "IF": ["RFID_PLAIN", "OCPP_RS_TLS"],
            "IT": "ISO14443" if id_tag else "NONE",
            "ID": id_tag,
            "RD": [reading],
        }
        return json.dumps(payload, separators=(",", ":"))


def _signature(payload: str) -> str:
    r = hashlib.sha256(payload.encode()).hexdigest()
    s = hashlib.sha256(r.encode()).hexdigest()
    return json.dumps({"SA": SIGNING_METHOD, "SD": f"30440220{r}0220{s}"}, separators=(",", ":"))


def payload_of(ocmf: str) -> str:
    """The payload section of an OCMF text."""
    return ocmf[len("OCMF|") :].rpartition("|")[0]
