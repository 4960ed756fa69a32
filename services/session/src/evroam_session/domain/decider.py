"""decide(...) -> events for the charging session. Pure: tariffs, time and ids come in."""

from __future__ import annotations

from decimal import Decimal

from evroam_contracts.gateway import MeterValuesSampled, TransactionEnded, TransactionStarted
from evroam_contracts.session import (
    SessionCompleted,
    SessionInvalidated,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import CdrToken, MeterSample, TariffLock
from evroam_session.domain.pricing import price, usable_samples
from evroam_session.domain.state import SessionEvent, SessionState


class SessionNotActiveError(Exception):
    """Station traffic for a session that was never started (or is already closed)."""


def start(
    state: SessionState,
    tx: TransactionStarted,
    tariff: TariffLock | None,
    default_currency: str,
) -> list[SessionEvent]:
    if state.status != "NONE":
        return []  # the same transaction start, delivered again
    auth = tx.authorization
    if auth.status != "ACCEPTED" or not (
        auth.token_country_code and auth.token_party_id and auth.contract_id
    ):
        return [
            SessionInvalidated(
                session_id=state.session_id,
                invalidated_at=tx.received_at,
                reason=f"authorization {auth.status} ({auth.decided_by})"
                f" for token {auth.token_uid}",
            )
        ]
    return [
        SessionStarted(
            session_id=state.session_id,
            station_id=tx.station_id,
            transaction_id=tx.transaction_id,
            started_at=tx.started_at,
            meter_start_wh=tx.meter_start_wh,
            location=tx.location,
            cdr_token=CdrToken(
                country_code=auth.token_country_code,
                party_id=auth.token_party_id,
                uid=auth.token_uid,
                type=auth.token_type,
                contract_id=auth.contract_id,
            ),
            auth_method=auth.auth_method or "WHITELIST",
            authorization_reference=auth.authorization_reference,
            tariff=tariff,
            currency=str(tariff.tariff["currency"]) if tariff else default_currency,
        )
    ]


def _active(state: SessionState) -> SessionStarted:
    if state.status != "ACTIVE" or state.started is None:
        raise SessionNotActiveError(f"session {state.session_id} is {state.status}")
    return state.started


def _kwh(started: SessionStarted, samples: list[MeterSample]) -> Decimal:
    last = samples[-1].energy_wh if samples else started.meter_start_wh
    return Decimal(last - started.meter_start_wh) / 1000


def add_samples(state: SessionState, mv: MeterValuesSampled) -> list[SessionEvent]:
    if state.status in ("INVALID", "COMPLETED"):
        return []  # an invalid session is not billed; a closed one takes no more samples
    started = _active(state)
    known = {s.at for s in state.samples}
    new = tuple(s for s in mv.samples if s.at not in known)
    if not new:
        return []
    samples = usable_samples(started, (*state.samples, *new), max(s.at for s in new))
    end_at = samples[-1].at if samples else started.started_at
    periods, costs, _ = price(started, samples, end_at)
    return [
        SessionUpdated(
            session_id=state.session_id,
            samples=new,
            kwh=_kwh(started, samples),
            charging_periods=periods,
            costs=costs,
            updated_at=mv.received_at,
        )
    ]


def complete(state: SessionState, te: TransactionEnded) -> list[SessionEvent]:
    if state.status in ("INVALID", "COMPLETED"):
        return []
    started = _active(state)
    final = MeterSample(at=te.ended_at, energy_wh=te.meter_stop_wh)
    samples = usable_samples(started, (*state.samples, *te.samples, final), te.ended_at)
    periods, costs, hours = price(started, samples, te.ended_at)
    return [
        SessionCompleted(
            session_id=state.session_id,
            station_id=started.station_id,
            transaction_id=started.transaction_id,
            started_at=started.started_at,
            ended_at=te.ended_at,
            meter_start_wh=started.meter_start_wh,
            meter_stop_wh=te.meter_stop_wh,
            kwh=_kwh(started, samples),
            location=started.location,
            cdr_token=started.cdr_token,
            auth_method=started.auth_method,
            authorization_reference=started.authorization_reference,
            tariff=started.tariff,
            currency=started.currency,
            charging_periods=periods,
            costs=costs,
            total_time_h=hours,
            stop_reason=te.reason,
        )
    ]
