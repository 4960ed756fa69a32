"""Tariffs as the Sender interface serves them (OCPI 2.2.1 section 3.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.ocpi.tariffs.models import published_at, tariff_for_partners

PUBLISHED = datetime(2024, 5, 1, 9, tzinfo=UTC)
TARIFF = {
    "country_code": "DE",
    "party_id": "ALL",
    "id": "12",
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "TIME", "price": "2.00", "vat": 10.0, "step_size": 300}]}
    ],
    "last_updated": "2024-05-01T09:00:00Z",
}


def test_numbers_are_json_numbers_and_datetimes_carry_z() -> None:
    text = render_json(tariff_for_partners(TARIFF, PUBLISHED, None))
    assert '"price":2.00' in text
    assert '"vat":10.0' in text
    assert '"last_updated":"2024-05-01T09:00:00Z"' in text
    assert "end_date_time" not in text


def test_a_pending_retirement_ends_the_tariff_unless_it_ends_sooner() -> None:
    retired = datetime(2024, 6, 1, tzinfo=UTC)
    served = tariff_for_partners(TARIFF, PUBLISHED, retired)
    assert served["end_date_time"] == retired
    sooner = {**TARIFF, "end_date_time": "2024-05-15T00:00:00Z"}
    served = tariff_for_partners(sooner, PUBLISHED, retired)
    assert served["end_date_time"] == datetime(2024, 5, 15, tzinfo=UTC)


def test_last_updated_is_the_one_stored_not_the_copy_in_the_tariff() -> None:
    later = datetime(2024, 5, 2, tzinfo=UTC)
    assert tariff_for_partners(TARIFF, later, None)["last_updated"] == later


def test_the_publication_time_is_the_tariffs_own_last_updated_or_else_the_event_time() -> None:
    assert published_at(TARIFF, datetime(2030, 1, 1, tzinfo=UTC)) == PUBLISHED
    assert published_at({"last_updated": "yesterday"}, PUBLISHED) == PUBLISHED
    assert published_at({}, PUBLISHED) == PUBLISHED
    assert tariff_for_partners({"price": Decimal("0.25")}, PUBLISHED, None)["price"] == Decimal(
        "0.25"
    )
