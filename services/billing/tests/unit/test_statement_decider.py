"""Given / when / then on the settlement-statement decider: events in, events (or a refusal)
out; no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from evroam_billing.domain.statement_decider import (
    AcknowledgeCdrs,
    AddStatementLine,
    Delivery,
    DisputeCdr,
    MarkCdrSent,
    ResolveDispute,
    decide,
)
from evroam_billing.domain.statement_errors import (
    CdrAlreadyDisputedError,
    CdrCreditedError,
    CdrNotDisputedError,
    CdrNotOnStatementError,
    CdrUnderDisputeError,
    StatementNotFoundError,
)
from evroam_billing.domain.statements import (
    Party,
    StatementEvent,
    StatementRef,
    fold,
    statement_of,
)
from evroam_contracts import decode_payload
from evroam_contracts.billing import StatementCdrStateChanged, StatementLineAdded
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import Price

MakeCdr = Callable[..., Cdr]
REF = StatementRef(Party("DE", "TNM"), "2026-03")
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
PUSHED = Delivery("partner-tnm", datetime(2026, 3, 10, 10, 5, tzinfo=UTC))


def listed(cdr: Cdr, *given: StatementEvent, delivered: Delivery | None = None) -> list[Any]:
    return decide(AddStatementLine(cdr, REF, delivered), fold(given))


def changes(events: list[Any]) -> list[tuple[str, str, str]]:
    return [
        (e.cdr_id, e.previous_state, e.state)
        for e in events
        if isinstance(e, StatementCdrStateChanged)
    ]


@pytest.fixture
def month(make_cdr: MakeCdr) -> list[StatementEvent]:
    """Given: CDR-1 and CDR-2 listed, CDR-2 delivered to the partner."""
    one = listed(make_cdr("CDR-1"))
    two = listed(make_cdr("CDR-2", end="2026-03-12T18:00:00Z"), *one, delivered=PUSHED)
    return one + two


def test_a_cdr_goes_on_its_token_emsps_statement_for_the_month_it_ended_locally(
    make_cdr: MakeCdr,
) -> None:
    # 23:30 UTC on 31 January is 00:30 on 1 February in Amsterdam (CET, UTC+1).
    late = make_cdr(end="2026-01-31T23:30:00Z")

    assert statement_of(late, "Europe/Amsterdam").statement_id == "STM-DE-TNM-2026-02"
    assert statement_of(late, "UTC").statement_id == "STM-DE-TNM-2026-01"
    # 22:30 UTC on 31 March is 00:30 on 1 April in summer time (CEST, UTC+2).
    assert statement_of(make_cdr(end="2026-03-31T22:30:00Z"), "Europe/Amsterdam").period == (
        "2026-04"
    )


def test_cdrs_of_two_emsps_go_on_two_statements(make_cdr: MakeCdr) -> None:
    token = {"country_code": "be", "party_id": "abc", "uid": "U", "type": "RFID"}
    other = make_cdr(cdr_token={**token, "contract_id": "BE-ABC-1"})

    assert statement_of(other, "Europe/Brussels") == StatementRef(Party("BE", "ABC"), "2026-03")
    assert statement_of(make_cdr(), "Europe/Amsterdam").emsp == Party("DE", "TNM")


def test_a_cdr_becomes_a_line_in_state_issued(make_cdr: MakeCdr) -> None:
    cdr = make_cdr()

    [line] = listed(cdr)

    assert isinstance(line, StatementLineAdded)
    assert (line.statement_id, line.emsp_country_code, line.emsp_party_id, line.period) == (
        "STM-DE-TNM-2026-03",
        "DE",
        "TNM",
        "2026-03",
    )
    assert (line.line_no, line.cdr_id, line.session_id) == (1, "CDR-1", "S-CDR-1")
    assert (line.start_date_time, line.end_date_time) == (cdr.start_date_time, cdr.end_date_time)
    assert (line.location_id, line.location_address) == ("LOC-AMS-1", "Keizersgracht 1, Amsterdam")
    assert line.energy_kwh == Decimal("12.345")
    assert line.amount == Price(excl_vat=Decimal("3.59"), incl_vat=Decimal("4.34"))
    assert (line.currency, line.contract_id, line.credit) == ("EUR", "DE8ACC12E46L89", False)
    assert fold([line]).lines["CDR-1"].state == "ISSUED"


def test_a_cdr_is_never_listed_twice(make_cdr: MakeCdr, month: list[StatementEvent]) -> None:
    assert listed(make_cdr("CDR-1"), *month) == []


def test_the_next_cdr_gets_the_next_line_number(
    make_cdr: MakeCdr, month: list[StatementEvent]
) -> None:
    [line] = listed(make_cdr("CDR-3"), *month)

    assert line.line_no == 3


def test_a_delivered_push_makes_an_issued_cdr_sent(month: list[StatementEvent]) -> None:
    [sent] = decide(MarkCdrSent("CDR-1", PUSHED), fold(month))

    assert isinstance(sent, StatementCdrStateChanged)
    assert (sent.previous_state, sent.state, sent.partner_id) == ("ISSUED", "SENT", "partner-tnm")
    assert sent.changed_at == PUSHED.delivered_at


def test_a_push_delivered_before_its_cdr_came_lists_the_cdr_sent(make_cdr: MakeCdr) -> None:
    events = listed(make_cdr(), delivered=PUSHED)

    assert [e.type_name for e in events] == [
        "billing.statement_line_added",
        "billing.statement_cdr_state_changed",
    ]
    assert changes(events) == [("CDR-1", "ISSUED", "SENT")]


def test_a_delivery_after_the_acknowledgement_changes_nothing(
    month: list[StatementEvent],
) -> None:
    acknowledged = decide(AcknowledgeCdrs(None, None, NOW), fold(month))

    assert decide(MarkCdrSent("CDR-1", PUSHED), fold([*month, *acknowledged])) == []
    assert decide(MarkCdrSent("CDR-2", PUSHED), fold(month)) == []  # delivered twice


def test_acknowledging_the_statement_leaves_disputed_and_credited_cdrs_as_they_are(
    make_cdr: MakeCdr, month: list[StatementEvent]
) -> None:
    given = [*month, *listed(make_cdr("CDR-3"), *month), *listed(make_cdr("CDR-4"), *month)]
    given += decide(DisputeCdr("CDR-3", "meter says 10 kWh", NOW), fold(given))
    credit = make_cdr("CDR-4-C", credit=True, credit_reference_id="CDR-4")
    given += listed(credit, *given)

    events = decide(AcknowledgeCdrs(None, "mail of 2 April", NOW), fold(given))

    assert changes(events) == [
        ("CDR-1", "ISSUED", "ACKNOWLEDGED"),
        ("CDR-2", "SENT", "ACKNOWLEDGED"),
        ("CDR-4-C", "ISSUED", "ACKNOWLEDGED"),
    ]
    assert {e.reason for e in events} == {"mail of 2 April"}
    assert decide(AcknowledgeCdrs(None, None, NOW), fold([*given, *events])) == []


def test_acknowledging_some_cdrs_acknowledges_only_those(month: list[StatementEvent]) -> None:
    events = decide(AcknowledgeCdrs(("CDR-2", "CDR-2"), None, NOW), fold(month))

    assert changes(events) == [("CDR-2", "SENT", "ACKNOWLEDGED")]


@pytest.mark.parametrize(
    ("then", "refused"),
    [("dispute", CdrUnderDisputeError), ("credit", CdrCreditedError)],
)
def test_acknowledging_a_disputed_or_credited_cdr_is_refused_and_changes_nothing(
    make_cdr: MakeCdr, month: list[StatementEvent], then: str, refused: type[Exception]
) -> None:
    if then == "dispute":
        given = month + decide(DisputeCdr("CDR-2", "too dear", NOW), fold(month))
    else:
        given = month + listed(
            make_cdr("CDR-2-C", credit=True, credit_reference_id="CDR-2"), *month
        )

    with pytest.raises(refused, match="CDR-2"):
        decide(AcknowledgeCdrs(("CDR-1", "CDR-2"), None, NOW), fold(given))


def test_a_dispute_records_the_emsps_reason(month: list[StatementEvent]) -> None:
    [disputed] = decide(DisputeCdr("CDR-2", "session was 40 min, not 2 h", NOW), fold(month))

    assert (disputed.previous_state, disputed.state) == ("SENT", "DISPUTED")
    assert (disputed.reason, disputed.changed_at) == ("session was 40 min, not 2 h", NOW)


def test_an_acknowledged_cdr_can_still_be_disputed(month: list[StatementEvent]) -> None:
    given = month + decide(AcknowledgeCdrs(None, None, NOW), fold(month))

    assert changes(decide(DisputeCdr("CDR-1", "late claim", NOW), fold(given))) == [
        ("CDR-1", "ACKNOWLEDGED", "DISPUTED")
    ]


def test_disputing_a_disputed_cdr_is_refused(month: list[StatementEvent]) -> None:
    given = month + decide(DisputeCdr("CDR-1", "too dear", NOW), fold(month))

    with pytest.raises(CdrAlreadyDisputedError):
        decide(DisputeCdr("CDR-1", "still too dear", NOW), fold(given))


def test_disputing_a_credited_cdr_is_refused(
    make_cdr: MakeCdr, month: list[StatementEvent]
) -> None:
    given = month + listed(make_cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1"), *month)

    with pytest.raises(CdrCreditedError):
        decide(DisputeCdr("CDR-1", "too dear", NOW), fold(given))


def test_resolving_a_dispute_acknowledges_the_cdr(month: list[StatementEvent]) -> None:
    given = month + decide(DisputeCdr("CDR-1", "too dear", NOW), fold(month))

    [resolved] = decide(ResolveDispute("CDR-1", "tariff explained", NOW), fold(given))

    assert (resolved.previous_state, resolved.state, resolved.reason) == (
        "DISPUTED",
        "ACKNOWLEDGED",
        "tariff explained",
    )


def test_resolving_a_cdr_that_is_not_disputed_is_refused(month: list[StatementEvent]) -> None:
    with pytest.raises(CdrNotDisputedError, match="SENT"):
        decide(ResolveDispute("CDR-2", None, NOW), fold(month))


def test_a_credit_cdr_is_a_negative_line_that_credits_its_cdr_even_when_disputed(
    make_cdr: MakeCdr, month: list[StatementEvent]
) -> None:
    given = month + decide(DisputeCdr("CDR-1", "too dear", NOW), fold(month))
    credit = make_cdr(
        "CDR-1-C", total="-3.59", incl="-4.34", credit=True, credit_reference_id="CDR-1"
    )

    line, credited = listed(credit, *given)

    assert isinstance(line, StatementLineAdded)
    assert (line.line_no, line.credit, line.credit_reference_id) == (3, True, "CDR-1")
    assert line.amount == Price(excl_vat=Decimal("-3.59"), incl_vat=Decimal("-4.34"))
    assert line.energy_kwh == Decimal("-12.345")
    assert changes([credited]) == [("CDR-1", "DISPUTED", "CREDITED")]
    assert (credited.credit_cdr_id, credited.changed_at) == ("CDR-1-C", credit.last_updated)


def test_the_corrected_cdr_is_a_new_line(make_cdr: MakeCdr, month: list[StatementEvent]) -> None:
    given = month + listed(make_cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1"), *month)

    [corrected] = listed(make_cdr("CDR-1-R", total="3.00", incl="3.63"), *given)

    assert (corrected.cdr_id, corrected.line_no, corrected.credit) == ("CDR-1-R", 4, False)


def test_a_credit_cdr_sent_with_positive_amounts_still_takes_the_money_back(
    make_cdr: MakeCdr,
) -> None:
    [line] = listed(make_cdr("CDR-9-C", credit=True, credit_reference_id="CDR-9"))

    assert line.amount.excl_vat == Decimal("-3.59")


def test_a_cdr_whose_credit_came_first_is_listed_credited(make_cdr: MakeCdr) -> None:
    credit = listed(make_cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1"))

    events = listed(make_cdr("CDR-1"), *credit, delivered=PUSHED)

    assert changes(events) == [("CDR-1", "ISSUED", "SENT"), ("CDR-1", "SENT", "CREDITED")]


def test_a_second_credit_of_a_credited_cdr_credits_nothing_more(
    make_cdr: MakeCdr, month: list[StatementEvent]
) -> None:
    given = month + listed(make_cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1"), *month)

    [line] = listed(make_cdr("CDR-1-D", credit=True, credit_reference_id="CDR-1"), *given)

    assert line.cdr_id == "CDR-1-D"


def test_an_operator_command_on_an_unknown_statement_or_cdr_is_not_found(
    month: list[StatementEvent],
) -> None:
    with pytest.raises(StatementNotFoundError):
        decide(AcknowledgeCdrs(None, None, NOW), fold([]))
    with pytest.raises(StatementNotFoundError):
        decide(DisputeCdr("CDR-1", "x", NOW), fold([]))
    with pytest.raises(CdrNotOnStatementError, match="CDR-7"):
        decide(AcknowledgeCdrs(("CDR-1", "CDR-7"), None, NOW), fold(month))


def test_the_events_survive_the_wire(make_cdr: MakeCdr, month: list[StatementEvent]) -> None:
    events = [*month, *decide(DisputeCdr("CDR-1", "=HYPERLINK()", NOW), fold(month))]

    for event in events:
        assert decode_payload(event.type_name, event.version, event.to_json_dict()) == event
