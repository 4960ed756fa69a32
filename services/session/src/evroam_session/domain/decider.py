"""decide(...) -> events for the charging session. Pure: tariffs, time and ids come in.

Robust to what real chargers send (each rule has a test in tests/unit/test_session_robustness.py):
duplicates change nothing; station data is folded whatever order it arrives in, and figures
are always recomputed from all of it (`figures`); data that arrives after the session was
completed corrects it (SessionCorrected) rather than being dropped; a session opened by a
reading or a stop is reconstructed from its earliest reading, or declared INVALID with the
reason when no reading shows where its meter began (and completed after all if its start
arrives later).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evroam_contracts.gateway import (
    AuthorizationSnapshot,
    MeterValuesSampled,
    TransactionAuthorized,
    TransactionEnded,
    TransactionStarted,
)
from evroam_contracts.session import (
    ChargingStateChange,
    ClockReading,
    SessionPending,
    SessionStarted,
)
from evroam_contracts.shared import CdrToken, TariffLock
from evroam_session.domain.recording import close, fold_in, folded, invalid
from evroam_session.domain.signed import signed_inputs
from evroam_session.domain.state import End, SessionEvent, SessionState, evolve


class SessionNotOpenedError(Exception):
    """Station data for a charging session that no transaction start opened."""


def _accepted(auth: AuthorizationSnapshot) -> bool:
    return auth.status == "ACCEPTED" and bool(
        auth.token_country_code and auth.token_party_id and auth.contract_id
    )


def _token(auth: AuthorizationSnapshot) -> CdrToken:
    assert auth.token_country_code
    assert auth.token_party_id
    assert auth.contract_id
    return CdrToken(
        country_code=auth.token_country_code,
        party_id=auth.token_party_id,
        uid=auth.token_uid,
        type=auth.token_type,
        contract_id=auth.contract_id,
    )


def _session_started(
    opening: TransactionStarted | SessionPending,
    auth: AuthorizationSnapshot,
    tariff: TariffLock | None,
    currency: str,
    **when: Any,
) -> SessionStarted:
    """The session as it became ACTIVE: where the transaction opened, with the accepted
    token and the tariff locked; `when` gives its start (time, reading, arrival, ...)."""
    return SessionStarted(
        session_id=opening.session_id
        if isinstance(opening, SessionPending)
        else opening.charging_session_id,
        station_id=opening.station_id,
        transaction_id=opening.transaction_id,
        location=opening.location,
        ocpp_connector_id=opening.ocpp_connector_id,
        cdr_token=_token(auth),
        auth_method=auth.auth_method or "WHITELIST",
        authorization_reference=auth.authorization_reference,
        tariff=tariff,
        currency=str(tariff.tariff["currency"]) if tariff else currency,
        **when,
    )


def _started_by(
    tx: TransactionStarted, auth: AuthorizationSnapshot, tariff: TariffLock | None, currency: str
) -> SessionStarted:
    return _session_started(
        tx,
        auth,
        tariff,
        currency,
        started_at=tx.started_at,
        meter_start_wh=tx.meter_start_wh,
        received_at=tx.received_at,
        opened_by=tx.opened_by,
        offline=tx.offline and tx.seq_no is not None,
    )


def start(
    state: SessionState, tx: TransactionStarted, tariff: TariffLock | None, currency: str
) -> list[SessionEvent]:
    """The transaction's start, or (opened_by "Started" on a session already opened) its
    own start arriving after a later message had opened the session. Its signed meter
    values (an OCPP 2.0.1 Started's) are recorded after the session opens, or before a late
    start, so that the completion it may bring carries them."""
    if state.status == "NONE":
        opened = _open(state, tx, tariff, currency)
        return [*opened, *fold_in(folded(state, opened), tx.received_at, **signed_inputs(tx))]
    recorded = fold_in(state, tx.received_at, report=False, **signed_inputs(tx))
    after = folded(state, recorded)
    opened_by = (after.started or after.pending or tx).opened_by
    if tx.opened_by != "Started" or opened_by == "Started":
        return recorded  # the same start, delivered again
    return [*recorded, *_late_start(after, tx, tariff, currency)]


def _open(
    state: SessionState, tx: TransactionStarted, tariff: TariffLock | None, currency: str
) -> list[SessionEvent]:
    """A session's first event: ACTIVE with an accepted token, PENDING without a token yet,
    INVALID with a refused one."""
    auth = tx.authorization
    if _accepted(auth):
        return [_started_by(tx, auth, tariff, currency)]
    if auth.status == "UNKNOWN":
        return [
            SessionPending(
                session_id=tx.charging_session_id,
                station_id=tx.station_id,
                transaction_id=tx.transaction_id,
                ocpp_connector_id=tx.ocpp_connector_id,
                started_at=tx.started_at,
                meter_start_wh=tx.meter_start_wh,
                location=tx.location,
                received_at=tx.received_at,
                opened_by=tx.opened_by,
                reason="no accepted token presented yet",
            )
        ]
    reason = f"authorization {auth.status} ({auth.decided_by}) for token {auth.token_uid}"
    return [invalid(state, reason, tx.received_at, None)]


def _late_start(
    state: SessionState, tx: TransactionStarted, tariff: TariffLock | None, currency: str
) -> list[SessionEvent]:
    """The real start replaces the reconstructed one: its time, reading and EVSE, and its
    token when it brings an accepted one (else the token the session already had)."""
    if _accepted(tx.authorization):
        real = _started_by(tx, tx.authorization, tariff, currency)
    elif state.started is not None:
        real = state.started.model_copy(
            update={
                "started_at": tx.started_at,
                "meter_start_wh": tx.meter_start_wh,
                "location": tx.location,
                "ocpp_connector_id": tx.ocpp_connector_id,
                "received_at": tx.received_at,
                "opened_by": "Started",
                "offline": tx.offline,
            }
        )
    else:
        return []  # still no token: the session stays as it is (pending or invalid)
    return _restart(state, real, tx.received_at, "its own start arrived late")


def _restart(
    state: SessionState, started: SessionStarted, at: datetime, why: str
) -> list[SessionEvent]:
    """A (new) start for a session: if its end is known already, it is completed (or
    corrected) at once; otherwise its figures are reported."""
    after = evolve(state, started)
    if after.end is not None and state.status in ("COMPLETED", "INVALID"):
        return [started, *close(after, after.end, why)]
    return [started, *fold_in(after, at, force=True)]


def authorize(
    state: SessionState, ta: TransactionAuthorized, tariff: TariffLock | None, currency: str
) -> list[SessionEvent]:
    """A pending session's token decided (OCPP 2.0.1 E03: plugged in first). Accepted, it
    becomes ACTIVE from that moment (OCPI: start_date_time is reset to when it became
    ACTIVE), with the register as it stood then."""
    pending = state.pending
    if state.started is not None or pending is None:
        return []  # already active: the start's decision stands
    auth = ta.authorization
    if not _accepted(auth):
        flag = f"token {auth.token_uid} refused ({auth.status}) at {ta.authorized_at.isoformat()}"
        return fold_in(state, ta.received_at, flags=(flag,))
    before = [s for s in state.samples if s.at <= ta.authorized_at]
    meter = max(before, key=lambda s: s.at).energy_wh if before else pending.meter_start_wh
    started = _session_started(
        pending,
        auth,
        tariff,
        currency,
        started_at=ta.authorized_at,
        meter_start_wh=meter,
        received_at=ta.received_at,
        opened_by="Started",
    )
    return _restart(state, started, ta.received_at, "authorized after it ended")


def add_samples(state: SessionState, mv: MeterValuesSampled) -> list[SessionEvent]:
    if state.status == "NONE":
        raise SessionNotOpenedError(f"meter values for session {state.session_id}, never opened")
    last = max((s.at for s in mv.samples), default=None)
    clock = (
        (ClockReading(station_at=last, received_at=mv.received_at, offline=_replayed(mv)),)
        if last is not None
        else ()
    )
    states = (
        (
            ChargingStateChange(
                at=last or mv.received_at, state=mv.charging_state, station_clock=last is not None
            ),
        )
        if mv.charging_state
        else ()
    )
    inputs = {"samples": mv.samples, "states": states, "clock": clock, **signed_inputs(mv)}
    return fold_in(state, mv.received_at, **inputs)


def change_states(
    state: SessionState, changes: tuple[ChargingStateChange, ...], received_at: datetime
) -> list[SessionEvent]:
    """The connector's status changed (OCPP 1.6 StatusNotification) while this session was
    on it; it arrives on the station's stream, so in any order relative to the session's."""
    if state.status == "NONE" or not changes:
        return []
    return fold_in(state, received_at, states=changes)


def complete(state: SessionState, te: TransactionEnded) -> list[SessionEvent]:
    if state.status == "NONE":
        raise SessionNotOpenedError(f"transaction end for session {state.session_id}")
    end = End(te.ended_at, te.meter_stop_wh, te.reason, te.received_at)
    if state.end is not None and (state.end.at, state.end.meter_stop_wh) == (
        end.at,
        end.meter_stop_wh,
    ):
        return []  # the same stop again
    clock = (
        ClockReading(station_at=te.ended_at, received_at=te.received_at, offline=_replayed(te)),
    )
    inputs = {"samples": te.samples, "clock": clock, **signed_inputs(te)}
    events = fold_in(state, te.received_at, report=False, **inputs)
    after = folded(state, events)
    if state.status == "PENDING":
        reason = "the transaction ended before any accepted token was presented"
        return [*events, invalid(after, reason, te.received_at, end)]
    if state.status == "INVALID" and state.started is None:
        return events  # refused: not billed, whatever its end
    why = "a second, different stop arrived" if state.status == "COMPLETED" else None
    return [*events, *close(after, end, why)]


def flag_unfinished(state: SessionState, booted_at: datetime) -> list[SessionEvent]:
    """The station rebooted while this session was open on it (the unfinished policy)."""
    if not state.is_open:
        return []
    flag = f"the station rebooted at {booted_at.isoformat()} without ending this transaction"
    return fold_in(state, booted_at, flags=(flag,))


def close_unfinished(state: SessionState, booted_at: datetime, now: datetime) -> list[SessionEvent]:
    """Close a session its station forgot (it rebooted and, after the grace period, still
    sent no end): at its last reading, marked as closed by evroam, never silently."""
    if not state.is_open:
        return []
    events = flag_unfinished(state, booted_at)
    after = state
    for e in events:
        after = evolve(after, e)
    if after.started is None:
        reason = "the station rebooted and never ended this transaction, never authorized"
        return [*events, invalid(after, reason, now, None)]
    last = max(after.samples, key=lambda s: s.at, default=None)
    stop_at, stop_wh = (
        (last.at, last.energy_wh)
        if last is not None and last.at > after.started.started_at
        else (after.started.started_at, after.started.meter_start_wh)
    )
    reason = "closed by evroam: the station rebooted without ending the transaction"
    end = End(stop_at, stop_wh, reason, now, closed_by_csms=True)
    return [*events, *close(after, end, None)]


def _replayed(msg: MeterValuesSampled | TransactionEnded) -> bool:
    """OCPP 2.0.1 says so (`offline` with a seqNo); a 1.6 flag is only the gateway's guess."""
    return msg.offline and msg.seq_no is not None
