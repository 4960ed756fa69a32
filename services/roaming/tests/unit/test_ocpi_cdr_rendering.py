import json
from decimal import Decimal
from typing import Any

from evroam_contracts.cdr import Cdr
from evroam_contracts.ocpi_json import render_json
from evroam_roaming.ocpi.cdrs.models import cdr_to_ocpi


def test_the_specs_cdr_example_comes_out_as_it_went_in(cdr_example: dict[str, Any]) -> None:
    example = cdr_example
    rendered = render_json(cdr_to_ocpi(Cdr.model_validate(example)))
    assert json.loads(rendered, parse_float=Decimal) == example
    assert '"excl_vat":4.00' in rendered  # the very digits, not a float's


def test_amounts_survive_our_wire_and_come_out_as_numbers(cdr_example: dict[str, Any]) -> None:
    # On our Kafka wire decimals are strings; at the OCPI edge they are numbers again.
    on_our_wire = Cdr.model_validate(cdr_example).model_dump(mode="json")
    assert on_our_wire["total_cost"]["excl_vat"] == "4.00"
    rendered = json.loads(
        render_json(cdr_to_ocpi(Cdr.model_validate(on_our_wire))), parse_float=Decimal
    )
    assert rendered["total_cost"] == {"excl_vat": Decimal("4.00"), "incl_vat": Decimal("4.40")}
    assert rendered["total_energy"] == Decimal("15.342")
    assert rendered["charging_periods"][0]["dimensions"][0]["volume"] == Decimal("1.973")


def test_datetimes_of_a_cdr_use_z_even_when_our_wire_says_plus_zero(
    cdr_example: dict[str, Any],
) -> None:
    on_our_wire = Cdr.model_validate(cdr_example).model_dump(mode="json")
    assert on_our_wire["last_updated"].endswith("Z") or "+00:00" in on_our_wire["last_updated"]
    rendered = render_json(cdr_to_ocpi(Cdr.model_validate(on_our_wire)))
    assert "+00:00" not in rendered
    assert json.loads(rendered)["start_date_time"] == "2015-06-29T21:39:09Z"


def test_unset_optional_fields_are_left_out_not_sent_as_null(
    cdr_example: dict[str, Any],
) -> None:
    rendered = json.loads(render_json(cdr_to_ocpi(Cdr.model_validate(cdr_example))))
    assert "session_id" not in rendered
    assert None not in rendered.values()


def test_tariff_copies_get_numbers_and_z_datetimes_whatever_the_producer_sent(
    cdr_example: dict[str, Any],
) -> None:
    # Our contract types tariff copies as free JSON, so decimals may arrive as strings.
    tariff = cdr_example["tariffs"][0]
    tariff["last_updated"] = "2015-02-02T15:15:01+01:00"
    tariff["elements"][0]["price_components"][0] |= {
        "price": "2.00",
        "vat": "10.0",
        "step_size": "300",
    }
    tariff["min_price"] = {"excl_vat": "0.50", "incl_vat": 0.55}
    tariff["elements"][0]["restrictions"] = {"max_kwh": "NaN", "day_of_week": ["MONDAY"]}
    rendered = render_json(cdr_to_ocpi(Cdr.model_validate(cdr_example)))
    assert '"price":2.00,"vat":10.0,"step_size":300' in rendered
    assert '"min_price":{"excl_vat":0.50,"incl_vat":0.55}' in rendered
    assert '"last_updated":"2015-02-02T14:15:01Z"' in rendered
    assert '"max_kwh":"NaN"' in rendered  # left as sent rather than failing the whole page
    assert '"day_of_week":["MONDAY"]' in rendered
