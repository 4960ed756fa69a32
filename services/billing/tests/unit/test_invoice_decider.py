"""Given / when / then on the invoice decider: events in, events (or an error) out; no I/O."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from evroam_billing.domain.decider import AddInvoiceLine, decide, fold
from evroam_billing.domain.errors import UnknownTimeZoneError
from evroam_contracts import decode_payload
from evroam_contracts.billing import InvoiceLineAdded
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import Price

MakeCdr = Callable[..., Cdr]
Add = Callable[..., list[InvoiceLineAdded]]
CONTRACT = "DE8ACC12E46L89"


@pytest.fixture
def add(make_cdr: MakeCdr) -> Add:
    """`add(*given, cdr_=..., time_zone=...)`: AddInvoiceLine for a CDR (the sample one by
    default), given the invoice stream's events so far."""

    def when(
        *given: InvoiceLineAdded,
        cdr_: Cdr | None = None,
        time_zone: str = "Europe/Amsterdam",
    ) -> list[InvoiceLineAdded]:
        return decide(AddInvoiceLine(cdr_ or make_cdr(), time_zone), fold(given))

    return when


def test_a_cdr_becomes_the_first_line_of_its_contracts_monthly_invoice(
    add: Add,
    make_cdr: MakeCdr,
) -> None:
    [line] = add()

    assert (line.invoice_id, line.contract_id, line.billing_period) == (
        f"INV-{CONTRACT}-2026-03",
        CONTRACT,
        "2026-03",
    )
    assert (line.line_no, line.cdr_id, line.session_id) == (1, "CDR-1", "S-CDR-1")
    assert line.description == "Charging at Keizersgracht 1, Amsterdam: 12.345 kWh"
    assert line.energy_kwh == Decimal("12.345")
    assert line.amount == Price(excl_vat=Decimal("3.59"), incl_vat=Decimal("4.34"))
    assert line.currency == "EUR"
    assert line.charged_at == make_cdr().end_date_time


def test_a_second_line_for_the_same_cdr_is_refused(add: Add) -> None:
    first = add()

    assert add(*first) == []


def test_the_next_cdr_gets_the_next_line_number(add: Add, make_cdr: MakeCdr) -> None:
    first = add()

    [second] = add(*first, cdr_=make_cdr("CDR-2", end="2026-03-12T18:00:00Z"))

    assert (second.invoice_id, second.line_no) == (first[0].invoice_id, 2)


def test_the_billing_period_is_the_month_in_the_locations_time_zone(
    add: Add,
    make_cdr: MakeCdr,
) -> None:
    # 23:30 UTC on 31 January is 00:30 on 1 February in Amsterdam (CET, UTC+1).
    late = make_cdr(end="2026-01-31T23:30:00Z")

    [amsterdam] = add(cdr_=late)
    [utc] = add(cdr_=late, time_zone="UTC")

    assert (amsterdam.billing_period, amsterdam.invoice_id) == (
        "2026-02",
        f"INV-{CONTRACT}-2026-02",
    )
    assert utc.billing_period == "2026-01"


def test_the_billing_period_follows_summer_time(add: Add, make_cdr: MakeCdr) -> None:
    # 22:30 UTC on 31 March is 00:30 on 1 April in Amsterdam (CEST, UTC+2), not 23:30.
    [line] = add(cdr_=make_cdr(end="2026-03-31T22:30:00Z"))

    assert line.billing_period == "2026-04"


def test_a_credit_cdr_becomes_a_negative_line(add: Add, make_cdr: MakeCdr) -> None:
    credit = make_cdr(
        "CDR-1-C", total="-3.59", incl="-4.34", credit=True, credit_reference_id="CDR-1"
    )

    [line] = add(*add(), cdr_=credit)

    assert line.line_no == 2
    assert line.amount == Price(excl_vat=Decimal("-3.59"), incl_vat=Decimal("-4.34"))
    assert line.energy_kwh == Decimal("-12.345")
    assert line.description == (
        "Credit of CDR CDR-1: Charging at Keizersgracht 1, Amsterdam: -12.345 kWh"
    )


def test_a_credit_cdr_sent_with_positive_amounts_still_takes_the_money_back(
    add: Add,
    make_cdr: MakeCdr,
) -> None:
    [line] = add(cdr_=make_cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1"))

    assert line.amount.excl_vat == Decimal("-3.59")


def test_a_cdr_whose_time_zone_is_unknown_is_refused(add: Add) -> None:
    with pytest.raises(UnknownTimeZoneError, match="Mars/Olympus_Mons"):
        add(time_zone="Mars/Olympus_Mons")


def test_the_line_survives_the_wire(add: Add) -> None:
    [line] = add()

    assert decode_payload(line.type_name, line.version, line.to_json_dict()) == line
