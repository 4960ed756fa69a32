"""The settlement-statement decider: commands in, events (or a refusal) out. Pure: time, the
CDR, its statement and any push outcome seen before it come in as arguments.

Reconciliation of one CDR (OCPI 2.2.1 CDRs; the push is section 1.10):

    ISSUED --push delivered--> SENT
    ISSUED | SENT --acknowledged--> ACKNOWLEDGED
    ISSUED | SENT | ACKNOWLEDGED --disputed--> DISPUTED --resolved--> ACKNOWLEDGED
    any but CREDITED --credit CDR--> CREDITED (final)

A push outcome never moves a CDR back (a late delivery after an acknowledgement changes
nothing), and repeating what is already so is no change rather than an error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from evroam_billing.domain.statement_errors import (
    CdrAlreadyDisputedError,
    CdrCreditedError,
    CdrNotDisputedError,
    CdrNotOnStatementError,
    CdrUnderDisputeError,
    StatementNotFoundError,
)
from evroam_billing.domain.statements import (
    ACKNOWLEDGED,
    CREDITED,
    DISPUTED,
    ISSUED,
    SENT,
    Statement,
    StatementEvent,
    StatementLine,
    StatementRef,
    evolve,
)
from evroam_contracts.billing import (
    StatementCdrState,
    StatementCdrStateChanged,
    StatementLineAdded,
)
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import Price


@dataclass(frozen=True)
class Delivery:
    """The roaming service delivered a CDR's push: the partner answered OCPI 1000."""

    partner_id: str
    delivered_at: datetime


@dataclass(frozen=True)
class AddStatementLine:
    cdr: Cdr
    statement: StatementRef
    # A push outcome that arrived before the CDR did (the topics are not ordered together).
    delivered: Delivery | None = None


@dataclass(frozen=True)
class MarkCdrSent:
    cdr_id: str
    delivery: Delivery


@dataclass(frozen=True)
class AcknowledgeCdrs:
    """The eMSP acknowledged the statement (`cdr_ids` None: every CDR that can be) or some of
    its CDRs."""

    cdr_ids: tuple[str, ...] | None
    note: str | None
    now: datetime


@dataclass(frozen=True)
class DisputeCdr:
    cdr_id: str
    reason: str
    now: datetime


@dataclass(frozen=True)
class ResolveDispute:
    cdr_id: str
    note: str | None
    now: datetime


OperatorCommand = AcknowledgeCdrs | DisputeCdr | ResolveDispute
_ACKNOWLEDGEABLE = (ISSUED, SENT)


def _change(
    state: Statement,
    line: StatementLine,
    to: StatementCdrState,
    at: datetime,
    **extra: str | None,
) -> StatementCdrStateChanged:
    assert state.statement_id is not None
    return StatementCdrStateChanged(
        statement_id=state.statement_id,
        cdr_id=line.cdr_id,
        previous_state=line.state,
        state=to,
        changed_at=at,
        **extra,
    )


def _signed(cdr: Cdr) -> tuple[Price, Decimal]:
    """OCPI 2.2.1 CDRs: credit. A credit CDR repeats its original with total_cost negated; its
    line takes back money and energy whatever sign it was sent with."""
    if not cdr.credit:
        return cdr.total_cost, cdr.total_energy
    total = cdr.total_cost
    return Price(
        excl_vat=-abs(total.excl_vat),
        incl_vat=None if total.incl_vat is None else -abs(total.incl_vat),
    ), -abs(cdr.total_energy)


def line_added(command: AddStatementLine, state: Statement) -> StatementLineAdded:
    cdr, ref = command.cdr, command.statement
    amount, energy = _signed(cdr)
    where = cdr.cdr_location
    return StatementLineAdded(
        statement_id=ref.statement_id,
        emsp_country_code=ref.emsp.country_code,
        emsp_party_id=ref.emsp.party_id,
        period=ref.period,
        line_no=state.last_line_no + 1,
        cdr_id=cdr.id,
        session_id=cdr.session_id,
        contract_id=cdr.cdr_token.contract_id,
        start_date_time=cdr.start_date_time,
        end_date_time=cdr.end_date_time,
        location_id=where.id,
        location_address=f"{where.address}, {where.city}",
        energy_kwh=energy,
        amount=amount,
        currency=cdr.currency,
        credit=bool(cdr.credit),
        credit_reference_id=cdr.credit_reference_id if cdr.credit else None,
        issued_at=cdr.last_updated,
    )


def add_line(command: AddStatementLine, state: Statement) -> list[StatementEvent]:
    """Never list a CDR twice. A push delivered before the CDR came makes it SENT at once."""
    cdr = command.cdr
    if cdr.id in state.lines:
        return []
    events: list[StatementEvent] = [line_added(command, state)]
    if command.delivered is not None:
        events += mark_sent(MarkCdrSent(cdr.id, command.delivered), _after(state, events))
    return events + _cancellation(cdr, _after(state, events))


def _cancellation(cdr: Cdr, state: Statement) -> list[StatementEvent]:
    """A credit CDR cancels the CDR it names when that one is on the statement; a CDR whose
    credit is on the statement already (it came first) is cancelled as soon as it is listed."""
    if cdr.credit:
        original = state.lines.get(cdr.credit_reference_id or "")
        if original is None or original.credit or original.state == CREDITED:
            return []
        return [_change(state, original, CREDITED, cdr.last_updated, credit_cdr_id=cdr.id)]
    credit = state.credits_of(cdr.id)
    if credit is None:
        return []
    line = state.lines[cdr.id]
    return [_change(state, line, CREDITED, credit.issued_at, credit_cdr_id=credit.cdr_id)]


def _after(state: Statement, events: Iterable[StatementEvent]) -> Statement:
    for event in events:
        state = evolve(state, event)
    return state


def _line(state: Statement, cdr_id: str) -> StatementLine:
    if not state.lines:
        raise StatementNotFoundError("no CDR was ever listed on this statement")
    line = state.lines.get(cdr_id)
    if line is None:
        raise CdrNotOnStatementError(f"CDR {cdr_id} is not on statement {state.statement_id}")
    return line


def mark_sent(command: MarkCdrSent, state: Statement) -> list[StatementEvent]:
    line = _line(state, command.cdr_id)
    if line.state != ISSUED:
        return []  # already further along: a late or repeated delivery changes nothing
    d = command.delivery
    return [_change(state, line, SENT, d.delivered_at, partner_id=d.partner_id)]


def acknowledge(command: AcknowledgeCdrs, state: Statement) -> list[StatementEvent]:
    """All or nothing: one CDR that cannot be acknowledged refuses the whole command. The whole
    statement acknowledged leaves disputed and credited CDRs as they are."""
    if not state.lines:
        raise StatementNotFoundError("no CDR was ever listed on this statement")
    if command.cdr_ids is None:
        lines = sorted(state.lines.values(), key=lambda x: x.line_no)
    else:
        lines = [_line(state, cdr_id) for cdr_id in dict.fromkeys(command.cdr_ids)]
        for line in lines:
            if line.state == CREDITED:
                raise CdrCreditedError(f"CDR {line.cdr_id} was credited")
            if line.state == DISPUTED:
                raise CdrUnderDisputeError(f"CDR {line.cdr_id} is disputed: resolve it")
    return [
        _change(state, line, ACKNOWLEDGED, command.now, reason=command.note)
        for line in lines
        if line.state in _ACKNOWLEDGEABLE
    ]


def dispute(command: DisputeCdr, state: Statement) -> list[StatementEvent]:
    line = _line(state, command.cdr_id)
    if line.state == CREDITED:
        raise CdrCreditedError(f"CDR {line.cdr_id} was credited: nothing left to dispute")
    if line.state == DISPUTED:
        raise CdrAlreadyDisputedError(f"CDR {line.cdr_id} is disputed already")
    return [_change(state, line, DISPUTED, command.now, reason=command.reason)]


def resolve(command: ResolveDispute, state: Statement) -> list[StatementEvent]:
    line = _line(state, command.cdr_id)
    if line.state != DISPUTED:
        raise CdrNotDisputedError(f"CDR {line.cdr_id} is {line.state}, not disputed")
    return [_change(state, line, ACKNOWLEDGED, command.now, reason=command.note)]


def decide(
    command: AddStatementLine | MarkCdrSent | OperatorCommand, state: Statement
) -> list[StatementEvent]:
    match command:
        case AddStatementLine():
            return add_line(command, state)
        case MarkCdrSent():
            return mark_sent(command, state)
        case AcknowledgeCdrs():
            return acknowledge(command, state)
        case DisputeCdr():
            return dispute(command, state)
        case ResolveDispute():
            return resolve(command, state)
