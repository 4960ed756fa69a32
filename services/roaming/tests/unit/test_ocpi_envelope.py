import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from evroam_contracts.ocpi_json import render_json
from evroam_roaming.ocpi.envelope import StatusCode, envelope

AT = datetime(2015, 6, 30, 21, 59, 59, tzinfo=UTC)


def test_a_success_envelope_has_data_status_and_an_ocpi_timestamp() -> None:
    body = json.loads(envelope('[{"version":"2.2.1"}]', StatusCode.SUCCESS, "Success", AT))
    assert body == {
        "data": [{"version": "2.2.1"}],
        "status_code": 1000,
        "status_message": "Success",
        "timestamp": "2015-06-30T21:59:59Z",
    }


def test_an_error_envelope_carries_no_data_like_the_specs_example() -> None:
    body = json.loads(
        envelope(None, StatusCode.INVALID_OR_MISSING_PARAMETERS, "Missing required field: type", AT)
    )
    assert body == {
        "status_code": 2001,
        "status_message": "Missing required field: type",
        "timestamp": "2015-06-30T21:59:59Z",
    }


def test_decimals_are_exact_json_numbers_never_strings() -> None:
    text = render_json(
        {
            "excl_vat": Decimal("4.00"),
            "incl_vat": Decimal("4.40"),
            "volume": Decimal("1.973"),
            "big": Decimal("1E+3"),
        }
    )
    assert text == '{"excl_vat":4.00,"incl_vat":4.40,"volume":1.973,"big":1000}'
    assert json.loads(text, parse_float=Decimal)["incl_vat"] == Decimal("4.40")


def test_datetimes_anywhere_in_the_data_are_ocpi_datetimes() -> None:
    text = render_json({"periods": [{"start_date_time": AT}], "last_updated": AT})
    assert "+00:00" not in text
    assert json.loads(text) == {
        "periods": [{"start_date_time": "2015-06-30T21:59:59Z"}],
        "last_updated": "2015-06-30T21:59:59Z",
    }


def test_other_values_render_as_the_standard_encoder_would() -> None:
    value = {"s": 'quote " and é', "i": 3, "b": True, "n": None, "t": ("a", 1), "f": 0.5}
    assert json.loads(render_json(value)) == {**value, "t": ["a", 1]}


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("nan")])
def test_numbers_json_cannot_express_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="JSON"):
        render_json({"x": value})
