"""Given / when / then on the driver-invoice decider: a contract's events in, events (or an
error) out; no I/O. Issues come out as `Numbered` and are given numbers here, in order, as the
handler's sequence would."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from evroam_billing.domain.decider import (
    BillCdr,
    ClosePeriod,
    Command,
    Decision,
    IssueInvoice,
    Numbered,
    SetBillingMode,
    decide,
    decide_close,
)
from evroam_billing.domain.errors import (
    CdrAlreadyCreditedError,
    CreditWithoutReferenceError,
    InvoiceNotFoundError,
    UnknownTimeZoneError,
)
from evroam_billing.domain.state import fold
from evroam_contracts import decode_payload
from evroam_contracts.base import Event
from evroam_contracts.billing import (
    ContractBillingModeSet,
    CreditNoteIssued,
    InvoiceIssued,
    InvoiceLineAdded,
    InvoiceOpened,
    InvoicingPeriodClosed,
)
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import Price

MakeCdr = Callable[..., Cdr]
C = "NL-EVR-C12345678-X"
MARCH = f"INV-{C}-2026-03"
NOW = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


def when(command: Command, given: Sequence[Event] = (), now: datetime = NOW) -> list[Event]:
    """Decide on the contract's events so far; number the issues 1, 2, ... of their year."""
    decisions: list[Decision] = decide(command, fold(given), now)
    numbers = iter(range(1, 100))
    return [d.complete(next(numbers)) if isinstance(d, Numbered) else d for d in decisions]


def bill(cdr: Cdr, *given: Event, closed: frozenset[str] = frozenset(), **kw: Any) -> list[Event]:
    return when(BillCdr(cdr, kw.pop("time_zone", "Europe/Amsterdam"), closed), given, **kw)


def only(events: Sequence[Event], kind: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def test_a_cdr_opens_its_contracts_monthly_invoice_and_becomes_its_first_line(
    driver_cdr: MakeCdr,
) -> None:
    opened, line = bill(driver_cdr())

    assert opened == InvoiceOpened(
        invoice_id=MARCH,
        contract_id=C,
        issuer="NL*EVR",
        billing_period="2026-03",
        mode="monthly",
        opened_at=NOW,
    )
    assert isinstance(line, InvoiceLineAdded)
    assert (line.invoice_id, line.line_no, line.cdr_id, line.cpo) == (MARCH, 1, "CDR-1", "NL*EVR")
    assert line.description == "Charging at Keizersgracht 1, Amsterdam: 12.345 kWh"
    assert line.amount == Price(excl_vat=Decimal("3.59"), incl_vat=Decimal("4.34"))
    assert (line.country, line.vat_rate, line.vat_note) == ("NLD", Decimal(21), None)
    assert line.location is not None
    assert line.location.name == "Keizersgracht"
    assert line.started_at is not None
    assert line.started_at < line.charged_at
    assert (line.cdr_period, line.note, line.issuer) == (None, None, "NL*EVR")


def test_the_next_cdr_gets_the_next_line_of_the_same_invoice(driver_cdr: MakeCdr) -> None:
    first = bill(driver_cdr())

    [second] = bill(driver_cdr("CDR-2", end="2026-03-12T18:00:00Z"), *first)

    assert isinstance(second, InvoiceLineAdded)
    assert (second.invoice_id, second.line_no) == (MARCH, 2)


def test_a_cdr_already_billed_adds_nothing_even_once_its_invoice_is_issued(
    driver_cdr: MakeCdr,
) -> None:
    month = bill(driver_cdr())
    issued = when(IssueInvoice(MARCH), month)

    assert bill(driver_cdr(), *month) == []
    assert bill(driver_cdr(), *month, *issued) == []


def test_the_same_cdr_id_from_another_cpo_is_another_cdr(driver_cdr: MakeCdr) -> None:
    month = bill(driver_cdr())

    [line] = bill(driver_cdr(cpo=("BE", "BEC"), country="BEL"), *month)

    assert isinstance(line, InvoiceLineAdded)
    assert (line.cpo, line.line_no) == ("BE*BEC", 2)


def test_a_cdr_ending_just_after_midnight_local_time_is_on_the_next_months_invoice(
    driver_cdr: MakeCdr,
) -> None:
    # 23:30 UTC on 31 January is 00:30 on 1 February in Amsterdam (CET, UTC+1).
    late_evening = driver_cdr(end="2026-01-31T23:30:00Z")

    amsterdam = only(bill(late_evening), InvoiceLineAdded)[0]
    utc = only(bill(late_evening, time_zone="UTC"), InvoiceLineAdded)[0]

    assert (amsterdam.billing_period, amsterdam.invoice_id) == ("2026-02", f"INV-{C}-2026-02")
    assert utc.billing_period == "2026-01"


def test_the_billing_period_follows_summer_time(driver_cdr: MakeCdr) -> None:
    # 22:30 UTC on 31 March is 00:30 on 1 April in Amsterdam (CEST, UTC+2).
    [_, line] = bill(driver_cdr(end="2026-03-31T22:30:00Z"))

    assert isinstance(line, InvoiceLineAdded)
    assert line.billing_period == "2026-04"


def test_issuing_a_monthly_invoice_numbers_it_and_records_its_totals(
    driver_cdr: MakeCdr,
) -> None:
    first = bill(driver_cdr())
    month = [*first, *bill(driver_cdr("CDR-2", total="1.00", incl="1.21"), *first)]

    [issued] = when(IssueInvoice(MARCH), month)

    assert isinstance(issued, InvoiceIssued)
    assert (issued.number, issued.sequence) == ("NL-EVR-2026-000001", 1)
    assert (issued.issued_at, issued.issue_date, issued.last_line_no) == (NOW, date(2026, 4, 2), 2)
    [eur] = issued.totals
    assert (eur.lines, eur.excl_vat, eur.vat, eur.incl_vat) == (
        2,
        Decimal("4.59"),
        Decimal("0.96"),
        Decimal("5.55"),
    )
    assert [(r.country, r.rate, r.excl_vat, r.vat) for r in issued.vat] == [
        ("NLD", Decimal(21), Decimal("4.59"), Decimal("0.96"))
    ]


def test_an_issued_invoice_is_issued_once(driver_cdr: MakeCdr) -> None:
    month = bill(driver_cdr())
    issued = when(IssueInvoice(MARCH), month)

    assert when(IssueInvoice(MARCH), [*month, *issued]) == []
    with pytest.raises(InvoiceNotFoundError):
        when(IssueInvoice("INV-nobody-2026-03"), month)


def test_a_cdr_after_its_months_invoice_was_issued_goes_on_the_next_open_invoice(
    driver_cdr: MakeCdr,
) -> None:
    march = bill(driver_cdr())
    issued = when(IssueInvoice(MARCH), march)

    opened, line = bill(driver_cdr("CDR-LATE"), *march, *issued, closed=frozenset({"2026-03"}))

    assert isinstance(opened, InvoiceOpened)
    assert opened.billing_period == "2026-04"
    assert isinstance(line, InvoiceLineAdded)
    assert (line.invoice_id, line.billing_period, line.cdr_period) == (
        f"INV-{C}-2026-04",
        "2026-04",
        "2026-03",
    )
    assert (
        line.note == "charged in 2026-03, after invoice NL-EVR-2026-000001 of that month was issued"
    )


def test_a_cdr_of_a_closed_month_without_an_invoice_goes_to_the_first_open_month(
    driver_cdr: MakeCdr,
) -> None:
    closed = frozenset({"2026-03", "2026-04"})

    [_, line] = bill(driver_cdr(), closed=closed)

    assert isinstance(line, InvoiceLineAdded)
    assert line.billing_period == "2026-05"
    assert line.note == "charged in 2026-03, after that month was closed"


def test_a_per_session_contract_gets_an_invoice_per_cdr_issued_at_once(
    driver_cdr: MakeCdr,
) -> None:
    mode = when(SetBillingMode(C, "per_session"))

    opened, line, issued = bill(driver_cdr(), *mode)
    second = bill(driver_cdr("CDR-2"), *mode, opened, line, issued)

    assert mode == [ContractBillingModeSet(contract_id=C, mode="per_session", set_at=NOW)]
    assert isinstance(opened, InvoiceOpened)
    assert opened.mode == "per_session"
    assert (opened.invoice_id, opened.billing_period) == (f"{MARCH}-1", "2026-03")
    assert isinstance(line, InvoiceLineAdded)
    assert line.line_no == 1
    assert isinstance(issued, InvoiceIssued)
    assert issued.invoice_id == f"{MARCH}-1"
    assert issued.number == "NL-EVR-2026-000001"
    assert issued.last_line_no == 1
    assert only(second, InvoiceOpened)[0].invoice_id == f"{MARCH}-2"


def test_setting_the_mode_a_contract_has_changes_nothing() -> None:
    assert when(SetBillingMode(C, "monthly")) == []
    per_session = when(SetBillingMode(C, "per_session"))
    assert when(SetBillingMode(C, "per_session"), per_session) == []


def credit_of(driver_cdr: MakeCdr, credited: str = "CDR-1", **kw: Any) -> Cdr:
    return driver_cdr(
        f"{credited}-C",
        total="-3.59",
        incl="-4.34",
        credit=True,
        credit_reference_id=credited,
        **kw,
    )


def test_a_credit_cdr_of_a_cdr_on_an_open_invoice_is_a_negative_line_there(
    driver_cdr: MakeCdr,
) -> None:
    month = bill(driver_cdr())

    [line] = bill(credit_of(driver_cdr), *month)

    assert isinstance(line, InvoiceLineAdded)
    assert (line.invoice_id, line.line_no, line.credited_cdr_id) == (MARCH, 2, "CDR-1")
    assert line.amount == Price(excl_vat=Decimal("-3.59"), incl_vat=Decimal("-4.34"))
    assert line.energy_kwh == Decimal("-12.345")
    assert line.description.startswith("Credit of CDR CDR-1: Charging at Keizersgracht 1")
    assert [(p.rate, p.excl_vat) for p in line.vat] == [(Decimal(21), Decimal("-3.59"))]


def test_a_credit_cdr_of_a_cdr_on_an_issued_invoice_is_a_credit_note(
    driver_cdr: MakeCdr,
) -> None:
    month = bill(driver_cdr())
    issued = when(IssueInvoice(MARCH), month)

    [note] = bill(credit_of(driver_cdr), *month, *issued)

    assert isinstance(note, CreditNoteIssued)
    assert (note.credit_note_id, note.number, note.invoice_id, note.invoice_number) == (
        f"CN-{C}-1",
        "NL-EVR-2026-000001",  # this test's numbering restarts; the sequence is shared
        MARCH,
        "NL-EVR-2026-000001",
    )
    [line] = note.lines
    assert (line.cdr_id, line.credited_cdr_id, line.amount.excl_vat) == (
        "CDR-1-C",
        "CDR-1",
        Decimal("-3.59"),
    )
    [eur] = note.totals
    assert (eur.excl_vat, eur.vat, eur.incl_vat) == (
        Decimal("-3.59"),
        Decimal("-0.75"),
        Decimal("-4.34"),
    )


def test_the_corrected_cdr_after_a_credit_note_is_billed_as_a_new_line(
    driver_cdr: MakeCdr,
) -> None:
    month = bill(driver_cdr())
    issued = when(IssueInvoice(MARCH), month)
    note = bill(credit_of(driver_cdr), *month, *issued)

    opened, line = bill(
        driver_cdr("CDR-1-R2"), *month, *issued, *note, closed=frozenset({"2026-03"})
    )

    assert isinstance(line, InvoiceLineAdded)
    assert line.invoice_id == f"INV-{C}-2026-04"
    assert isinstance(opened, InvoiceOpened)


def test_a_credit_cdr_is_billed_once_and_a_cdr_is_credited_once(driver_cdr: MakeCdr) -> None:
    month = bill(driver_cdr())
    credited = bill(credit_of(driver_cdr), *month)

    assert bill(credit_of(driver_cdr), *month, *credited) == []
    another = driver_cdr("CDR-1-C2", credit=True, credit_reference_id="CDR-1")
    with pytest.raises(CdrAlreadyCreditedError, match="CDR-1 was credited already"):
        bill(another, *month, *credited)


def test_a_credit_of_a_cdr_we_never_billed_is_a_negative_line_that_says_so(
    driver_cdr: MakeCdr,
) -> None:
    [_, line] = bill(credit_of(driver_cdr, "CDR-UNKNOWN"))

    assert isinstance(line, InvoiceLineAdded)
    assert line.amount.excl_vat == Decimal("-3.59")
    assert line.note == "credits CDR CDR-UNKNOWN, which is on no invoice of ours"


def test_a_credit_cdr_sent_with_positive_amounts_still_takes_the_money_back(
    driver_cdr: MakeCdr,
) -> None:
    month = bill(driver_cdr())

    [line] = bill(driver_cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1"), *month)

    assert isinstance(line, InvoiceLineAdded)
    assert line.amount.excl_vat == Decimal("-3.59")


def test_a_credit_cdr_must_name_the_cdr_it_credits(driver_cdr: MakeCdr) -> None:
    with pytest.raises(CreditWithoutReferenceError):
        bill(driver_cdr("CDR-1-C", credit=True))


def test_a_cdr_whose_time_zone_is_unknown_is_refused(driver_cdr: MakeCdr) -> None:
    with pytest.raises(UnknownTimeZoneError, match="Mars/Olympus_Mons"):
        bill(driver_cdr(), time_zone="Mars/Olympus_Mons")


def test_a_period_is_closed_once() -> None:
    assert decide_close(ClosePeriod("2026-03"), False, NOW) == [
        InvoicingPeriodClosed(period="2026-03", closed_at=NOW)
    ]
    assert decide_close(ClosePeriod("2026-03"), True, NOW) == []


def test_every_event_survives_the_wire(driver_cdr: MakeCdr) -> None:
    month = bill(driver_cdr())
    issued = when(IssueInvoice(MARCH), month)
    events = [*month, *issued, *bill(credit_of(driver_cdr), *month, *issued)]

    for event in events:
        assert decode_payload(event.type_name, event.version, event.to_json_dict()) == event
