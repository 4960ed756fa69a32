"""OCPI 2.2.1 Tariff JSON: the spec's examples parse and round-trip; malformed input is refused."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from pricing_support import D, example_json, examples_dir

from evroam_pricing import (
    DayOfWeek,
    Price,
    TariffDimensionType,
    TariffType,
    tariff_from_ocpi,
    tariff_to_ocpi,
)
from evroam_pricing.errors import MalformedTariffError, UnknownCurrencyError

TARIFF_EXAMPLES = sorted(
    p.stem for p in examples_dir().glob("tariff*.json") if p.stem != "tariff_put_example"
)


def minimal() -> dict[str, Any]:
    return copy.deepcopy(example_json("tariff_1_simple_2hour"))


@pytest.mark.parametrize("name", TARIFF_EXAMPLES)
def test_every_spec_tariff_example_round_trips(name: str) -> None:
    data = example_json(name)
    assert tariff_to_ocpi(tariff_from_ocpi(data)) == data


def test_the_examples_are_all_there() -> None:
    assert len(TARIFF_EXAMPLES) == 19


def test_the_spec_put_example_is_refused_because_it_has_no_last_updated() -> None:
    # The spec's own PUT example omits the required last_updated (SOURCE.md of the examples).
    with pytest.raises(MalformedTariffError) as error:
        tariff_from_ocpi(example_json("tariff_put_example"))
    assert error.value.field == "last_updated"


def test_the_complex_example_is_read_into_typed_values() -> None:
    tariff = tariff_from_ocpi(example_json("tariff_4_complex"))
    parking = tariff.elements[4]
    assert tariff.type is TariffType.REGULAR
    assert parking.price_components[0].type is TariffDimensionType.PARKING_TIME
    assert parking.price_components[0].price == D("5.00")
    assert parking.restrictions is not None
    assert parking.restrictions.start_time == time(9, 0)
    assert parking.restrictions.day_of_week[0] is DayOfWeek.MONDAY
    assert tariff.last_updated == datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)


def test_min_and_max_price_are_read_as_prices() -> None:
    tariff = tariff_from_ocpi(example_json("tariff_12_025kwh_min_price"))
    assert tariff.min_price == Price(D("0.50"), D("0.55"))


def test_float_numbers_are_read_through_their_text_not_their_binary_value() -> None:
    data = minimal()
    data["elements"][0]["price_components"][0]["price"] = 0.1
    tariff = tariff_from_ocpi(data)
    assert tariff.elements[0].price_components[0].price == Decimal("0.1")


def test_fractional_utc_datetimes_round_trip() -> None:
    data = minimal()
    data["last_updated"] = "2016-12-29T17:45:09.2Z"
    tariff = tariff_from_ocpi(data)
    assert tariff.last_updated.microsecond == 200_000
    assert tariff_to_ocpi(tariff)["last_updated"] == "2016-12-29T17:45:09.2Z"


@pytest.mark.parametrize(
    "example",
    [
        "location_energymix_example_complete.json",
        "location_energymix_example_simple.json",
        "location_energymix_example_energy_provider.json",
    ],
)
def test_the_specification_energy_mixes_are_read_and_written_back_unchanged(example: str) -> None:
    mix = json.loads((examples_dir() / example).read_text(), parse_float=Decimal)["energy_mix"]
    data = minimal()
    data["energy_mix"] = mix
    tariff = tariff_from_ocpi(data)
    assert tariff.energy_mix is not None
    assert tariff_to_ocpi(tariff)["energy_mix"] == mix


@pytest.mark.parametrize(
    ("mix", "field"),
    [
        ({}, "energy_mix.is_green_energy"),
        (
            {"is_green_energy": True, "energy_sources": [{"source": "PEAT", "percentage": 5}]},
            "energy_mix.energy_sources[0]",
        ),
        (
            {"is_green_energy": True, "energy_sources": [{"source": "WIND", "percentage": 101}]},
            "energy_mix.energy_sources[0].percentage",
        ),
        (
            {
                "is_green_energy": True,
                "energy_sources": [
                    {"source": "WIND", "percentage": 60},
                    {"source": "SOLAR", "percentage": 50},
                ],
            },
            "energy_mix.energy_sources",
        ),
        (
            {
                "is_green_energy": False,
                "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": -1}],
            },
            "energy_mix.environ_impact[0].amount",
        ),
    ],
)
def test_an_impossible_energy_mix_is_refused_naming_the_field(
    mix: dict[str, object], field: str
) -> None:
    data = minimal()
    data["energy_mix"] = mix
    with pytest.raises(MalformedTariffError) as caught:
        tariff_from_ocpi(data)
    assert caught.value.field == field


def test_unknown_fields_are_ignored() -> None:
    data = minimal()
    data["preauthorize_amount"] = 10
    assert "preauthorize_amount" not in tariff_to_ocpi(tariff_from_ocpi(data))


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("currency",), None, "currency"),
        (("elements",), [], "elements"),
        (("elements", 0, "price_components", 0, "price"), "2.00", "price"),
        (("elements", 0, "price_components", 0, "price"), True, "price"),
        (("elements", 0, "price_components", 0, "step_size"), 1.5, "step_size"),
        (("elements", 0, "price_components", 0, "type"), "KWH", "type"),
        (("elements", 0, "restrictions"), {"start_time": "24:00"}, "start_time"),
        (("elements", 0, "restrictions"), {"start_date": "2024-02-30"}, "start_date"),
        (("elements", 0, "restrictions"), {"day_of_week": ["MON"]}, "day_of_week[0]"),
        (("last_updated",), "2015-06-29T20:39:09+00:00", "last_updated"),
        (("id",), "x" * 37, "id"),
    ],
)
def test_malformed_fields_are_refused_with_their_path(
    path: tuple[Any, ...], value: Any, field: str
) -> None:
    data = minimal()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(MalformedTariffError) as error:
        tariff_from_ocpi(data)
    assert error.value.field.endswith(field)


def test_an_unknown_currency_is_refused() -> None:
    data = minimal()
    data["currency"] = "EUX"
    with pytest.raises(UnknownCurrencyError):
        tariff_from_ocpi(data)
