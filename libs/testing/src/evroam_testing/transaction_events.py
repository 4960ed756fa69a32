"""Normalized transaction events as the gateway logs them, for pure unit tests of their
consumers (the session decider): one session (SID) on station CS1, transaction 7, at an
Amsterdam location, on token TAG of eMSP DE*ABC; times in minutes after T0 (10:00 in
Amsterdam), received when they happened unless a test says otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from evroam_contracts.gateway import (
    AuthorizationSnapshot,
    MeterValuesSampled,
    TransactionAuthorized,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.session import OpenedBy
from evroam_contracts.shared import (
    GeoLocation,
    LocationSnapshot,
    MeterSample,
    SignedReading,
    TariffLock,
)
from evroam_testing.signed_meter import SignedMeter

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
SID = "01a1fc6b-0000-7000-8000-000000000002"


def component(kind: str, price: float, step: int = 1) -> dict[str, Any]:
    return {"type": kind, "price": price, "vat": 21, "step_size": step}


def tariff(*elements: dict[str, Any]) -> TariffLock:
    ocpi: dict[str, Any] = {"country_code": "NL", "party_id": "EVR", "id": "T1", "currency": "EUR"}
    ocpi |= {"elements": list(elements), "last_updated": "2026-01-01T00:00:00Z"}
    return TariffLock(tariff_id="T1", version=1, tariff=ocpi)


TARIFF = tariff({"price_components": [component("ENERGY", 0.30)]})
LOCATION = LocationSnapshot(
    id="L1",
    address="Stationsplein 1",
    city="Amsterdam",
    country="NLD",
    coordinates=GeoLocation(latitude="52.37", longitude="4.89"),
    time_zone="Europe/Amsterdam",
    country_code="NL",
    party_id="EVR",
    evse_uid="E1",
    evse_id="NL*EVR*E1",
    connector_id="1",
    connector_standard="IEC_62196_T2",
    connector_format="SOCKET",
    connector_power_type="AC_3_PHASE",
)
IDS = {"charging_session_id": SID, "station_id": "CS1", "transaction_id": "7"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def meter(*pairs: tuple[float, int]) -> tuple[MeterSample, ...]:
    return tuple(MeterSample(at=at(m), energy_wh=wh) for m, wh in pairs)


METER = SignedMeter()


def signed(minute: float, wh: int, context: str = "Sample.Periodic", **named: Any) -> SignedReading:
    """The register's OCMF-signed reading at `minute`, as an OCPP 1.6 station sends it;
    `named`: the encoding_method, signing_method, public_key a 2.0.1 station names."""
    return SignedReading(
        at=at(minute), signed_data=METER.ocmf(at(minute), wh, context), context=context, **named
    )


def auth(status: str = "ACCEPTED") -> AuthorizationSnapshot:
    """A decision on token TAG; UNKNOWN: no token presented yet."""
    token = {"token_country_code": "DE", "token_party_id": "ABC", "contract_id": "DE-ABC-C1"}
    return AuthorizationSnapshot(
        status=status, decided_by="authorization", token_uid="TAG",
        **({} if status == "UNKNOWN" else token),
    )  # fmt: skip


def started(
    minute: float = 0,
    wh: int = 1000,
    received: float | None = None,
    opened_by: OpenedBy = "Started",
    status: str = "ACCEPTED",
    signed: tuple[SignedReading, ...] = (),
    signed_refused: tuple[str, ...] = (),
) -> TransactionStarted:
    return TransactionStarted(
        **IDS, ocpp_connector_id=1, id_tag="TAG", meter_start_wh=wh, started_at=at(minute),
        received_at=at(minute if received is None else received), location=LOCATION,
        authorization=auth(status), opened_by=opened_by, signed=signed,
        signed_refused=signed_refused,
    )  # fmt: skip


def readings(
    *pairs: tuple[float, int],
    received: float | None = None,
    state: str | None = None,
    signed: tuple[SignedReading, ...] = (),
    signed_refused: tuple[str, ...] = (),
) -> MeterValuesSampled:
    """Received as the last reading is taken, unless said otherwise (station clock right)."""
    minutes = [m for m, _ in pairs] + [(r.at - T0).total_seconds() / 60 for r in signed]
    last = max(minutes) if received is None else received
    return MeterValuesSampled(
        **IDS, samples=meter(*pairs), received_at=at(last), charging_state=state, signed=signed,
        signed_refused=signed_refused,
    )  # fmt: skip


def ended(
    minute: float,
    wh: int,
    *pairs: tuple[float, int],
    received: float | None = None,
    reason: str = "Local",
    signed: tuple[SignedReading, ...] = (),
    signed_refused: tuple[str, ...] = (),
) -> TransactionEnded:
    return TransactionEnded(
        **IDS, meter_stop_wh=wh, ended_at=at(minute), samples=meter(*pairs),
        received_at=at(minute if received is None else received), reason=reason, signed=signed,
        signed_refused=signed_refused,
    )  # fmt: skip


def authorized(minute: float, status: str = "ACCEPTED") -> TransactionAuthorized:
    return TransactionAuthorized(
        **IDS, id_tag="TAG", authorization=auth(status), authorized_at=at(minute),
        received_at=at(minute),
    )  # fmt: skip
