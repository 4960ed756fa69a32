"""The signed meter values of a session, as the OCPI 2.2.1 SignedData of its CDR. Pure.

The station's signed values (`SignedReading`, each blob exactly as sent) are session inputs,
like its samples: a blob already recorded is the same reading again (a 1.6 StopTransaction's
transactionData repeats what MeterValues sent), whatever message brings it.

How each becomes an OCPI SignedValue:

- `nature`: "Start" for a Transaction.Begin reading, "End" for Transaction.End, else
  "Intermediate"; the values are in time order (Start before End at the same instant).
- `signed_data`: base64 (RFC 4648, padded) of the signed data, so that decoding it once
  gives back exactly what the meter signed, whichever OCPP version carried it. For OCMF that
  is the OCMF text: sent as text (OCPP 1.6, or a 2.0.1 station ignoring its spec) it is
  encoded; sent as base64 of it (OCPP 2.0.1 signedMeterData is base64 by its spec) the result
  is the blob as sent, character for character. Any other blob cannot be told apart from its
  encoding (a 1.6 vendor block is hex, and hex is valid base64 too), so it is never
  re-interpreted: `signed_data` is base64 of the blob as sent, and decodes back to it. Either
  way nothing is lost, and the blob exactly as sent also stays in the session's inputs
  (`SessionUpdated.signed`). OCPI asks for base64 here; a verifier (e.g. the S.A.F.E.
  transparency software for OCMF) takes the decoded text.
- `plain_data`: for OCMF (`OCMF|{payload}|{signature}`), the payload section as sent, the
  readable meter data the signature covers; for any other encoding, the blob as sent, the
  only unencoded form there is.
- `encoding_method`: "OCMF" when the blob is OCMF; else the encodingMethod the station named
  (OCPP 2.0.1); else "UNKNOWN" (an OCPP 1.6 blob that is not OCMF names none). The earliest
  reading's, should a station mix them; `public_key`: the first the station sent (OCMF
  carries none in the blob; 2.0.1 sends it with PublicKeyWithSignedMeterValue).

A value whose OCPI `plain_data` or `signed_data` would exceed 5000 characters is left out,
with a warning (OCPI caps both; the reading stays in the session's inputs).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from evroam_contracts.gateway import MeterValuesSampled, TransactionEnded, TransactionStarted
from evroam_contracts.shared import SignedData, SignedReading, SignedValue

OCMF = "OCMF"
UNKNOWN = "UNKNOWN"
OCPI_MAX = 5000
NATURE = {"Transaction.Begin": "Start", "Transaction.End": "End"}
_ORDER = {"Start": 0, "Intermediate": 1, "End": 2}


def signed_inputs(
    msg: TransactionStarted | MeterValuesSampled | TransactionEnded,
) -> dict[str, Any]:
    """A station message's signed values, and the gateway's refusals of others (flags, so
    that the session warns of them), as inputs to record."""
    return {"signed": msg.signed, "flags": msg.signed_refused}


def new_readings(
    known: Iterable[SignedReading], incoming: Iterable[SignedReading]
) -> tuple[SignedReading, ...]:
    """The incoming readings not recorded yet (nor twice among themselves)."""
    seen = {r.signed_data for r in known}
    fresh = []
    for r in incoming:
        if r.signed_data not in seen:
            seen.add(r.signed_data)
            fresh.append(r)
    return tuple(fresh)


def nature(r: SignedReading) -> str:
    return NATURE.get(r.context, "Intermediate")


def ocmf_text(blob: str) -> str | None:
    """The OCMF text of a blob: itself, or what it decodes to when it is base64 of OCMF."""
    if blob.startswith(f"{OCMF}|"):
        return blob
    try:
        text = base64.b64decode(blob, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if text.startswith(f"{OCMF}|") else None


def _payload(text: str) -> str:
    """The payload section of an OCMF text (`OCMF|{payload}|{signature}`)."""
    payload, bar, _signature = text[len(OCMF) + 1 :].rpartition("|")
    return payload if bar else text


def signed_value(r: SignedReading) -> SignedValue:
    text = ocmf_text(r.signed_data)
    return SignedValue(
        nature=nature(r),
        plain_data=r.signed_data if text is None else _payload(text),
        signed_data=base64.b64encode((text or r.signed_data).encode()).decode(),
    )


def _encoding(r: SignedReading) -> str:
    return OCMF if ocmf_text(r.signed_data) is not None else r.encoding_method or UNKNOWN


def signed_data(readings: Iterable[SignedReading]) -> tuple[SignedData | None, tuple[str, ...]]:
    """The session's SignedData (None when no signed value came) and what was left out."""
    taken: list[tuple[SignedReading, SignedValue]] = []
    warnings = []
    for r in sorted(readings, key=lambda r: (r.at, _ORDER[nature(r)])):
        v = signed_value(r)
        if max(len(v.plain_data), len(v.signed_data)) > OCPI_MAX:
            warnings.append(
                f"the signed meter value of {r.at.isoformat()} is left out of signed_data:"
                f" it does not fit OCPI's {OCPI_MAX} characters"
            )
            continue
        taken.append((r, v))
    if not taken:
        return None, tuple(warnings)
    data = SignedData(
        encoding_method=_encoding(taken[0][0]),
        public_key=next((r.public_key for r, _ in taken if r.public_key), None),
        signed_values=tuple(v for _, v in taken),
    )
    return data, tuple(warnings)
