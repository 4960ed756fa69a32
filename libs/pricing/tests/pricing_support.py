"""Builders for tests: spec example tariffs, hand-made tariffs, and sessions in local time."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evroam_pricing import (
    MeterSample,
    Price,
    PriceComponent,
    SessionUsage,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    tariff_from_ocpi,
)

D = Decimal
AMSTERDAM = "Europe/Amsterdam"
ENERGY, FLAT, TIME, PARKING = (
    TariffDimensionType.ENERGY,
    TariffDimensionType.FLAT,
    TariffDimensionType.TIME,
    TariffDimensionType.PARKING_TIME,
)
_EXAMPLES = Path("shared/reference/ocpi-2.2.1-examples")


@cache
def examples_dir() -> Path:
    """The OCPI 2.2.1 example files: $EVROAM_OCPI_EXAMPLES, or shared/ beside the repo."""
    if override := os.environ.get("EVROAM_OCPI_EXAMPLES"):
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        if (parent / _EXAMPLES).is_dir():
            return parent / _EXAMPLES
    raise FileNotFoundError("OCPI examples not found; set EVROAM_OCPI_EXAMPLES")


def example_json(name: str) -> Any:
    with (examples_dir() / f"{name}.json").open() as f:
        return json.load(f, parse_float=Decimal)


def example_tariff(name: str) -> Tariff:
    return tariff_from_ocpi(example_json(name))


def local(text: str, zone: str = AMSTERDAM) -> datetime:
    """An aware UTC instant from a local wall-clock time 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def component(
    dimension: TariffDimensionType, price: str, step: int = 1, vat: str | None = "20"
) -> PriceComponent:
    return PriceComponent(dimension, D(price), None if vat is None else D(vat), step)


def element(*components: PriceComponent, **restrictions: Any) -> TariffElement:
    return TariffElement(
        tuple(components), TariffRestrictions(**restrictions) if restrictions else None
    )


def tariff(
    *elements: TariffElement,
    currency: str = "EUR",
    min_price: Price | None = None,
    max_price: Price | None = None,
) -> Tariff:
    return Tariff(
        country_code="NL",
        party_id="EVR",
        id="T1",
        currency=currency,
        elements=tuple(elements),
        min_price=min_price,
        max_price=max_price,
        last_updated=datetime(2024, 1, 1, tzinfo=UTC),
    )


def session(
    start: datetime,
    charge: timedelta,
    energy_wh: int,
    *,
    park: timedelta = timedelta(0),
    power_w: int | None = None,
    current_a: Decimal | None = None,
) -> SessionUsage:
    """Charge `energy_wh` evenly over `charge`, then stay plugged in for `park`."""
    charged = start + charge
    end = charged + park
    return SessionUsage(
        start_at=start,
        meter_start_wh=1_000,
        samples=(MeterSample(charged, 1_000 + energy_wh, power_w, current_a),),
        end_at=end,
        parking=((charged, end),) if park else (),
    )


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def sample(
    at: datetime, energy_wh: int, power_w: int | None = None, current_a: Decimal | None = None
) -> MeterSample:
    return MeterSample(at, energy_wh, power_w, current_a)


def hm(text: str) -> time:
    return time.fromisoformat(text)
