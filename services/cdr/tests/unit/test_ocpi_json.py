"""The OCPI edge of the CDR service: exact JSON numbers and OCPI DateTimes; no I/O."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from evroam_cdr.adapters.ocpi_json import ocpi_cdr
from evroam_cdr.domain.cdr import build_cdr
from evroam_contracts.ocpi_json import format_datetime as ocpi_datetime
from evroam_contracts.ocpi_json import render_json
from evroam_contracts.session import SessionCompleted


def test_decimals_become_json_numbers_with_their_very_digits() -> None:
    assert render_json({"excl_vat": Decimal("4.00"), "volume": Decimal("0.1")}) == (
        '{"excl_vat":4.00,"volume":0.1}'
    )


def test_a_decimal_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="no JSON representation"):
        render_json(Decimal("NaN"))


def test_datetimes_are_utc_with_z_and_at_most_milliseconds() -> None:
    cet = timezone(timedelta(hours=1))

    assert ocpi_datetime(datetime(2026, 3, 10, 9, 0, tzinfo=cet)) == "2026-03-10T08:00:00Z"
    assert ocpi_datetime(datetime(2026, 3, 10, 8, 0, 0, 123456, tzinfo=UTC)) == (
        "2026-03-10T08:00:00.123Z"
    )


def test_a_stored_cdr_comes_out_as_the_ocpi_object_without_nulls(
    make_session: Callable[..., SessionCompleted],
) -> None:
    session = make_session()
    cdr = build_cdr(session, cdr_id="C-1", costs=session.costs, issued_at=session.ended_at)
    stored = cdr.model_dump(mode="json")  # as the projection keeps it

    rendered = render_json(ocpi_cdr(stored))

    cdr = json.loads(rendered, parse_float=Decimal)
    assert cdr["total_cost"] == {"excl_vat": Decimal("3.59"), "incl_vat": Decimal("4.34")}
    assert cdr["end_date_time"] == "2026-03-10T10:00:00Z"
    assert "total_time_cost" not in cdr
    assert "null" not in rendered
