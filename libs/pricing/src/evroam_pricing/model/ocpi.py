"""OCPI 2.2.1 Tariff JSON <-> model.

`tariff_from_ocpi` takes the decoded JSON object. Numbers may arrive as `int`, `float` or
`Decimal`; a float is converted through its shortest text (`Decimal(repr(x))`, so 0.1 stays
0.1), but decoding with `json.loads(text, parse_float=Decimal)` keeps every digit and is what
services should do. `tariff_to_ocpi` returns numbers as `Decimal`/`int`; encode them as JSON
numbers, never as strings. Unknown fields are ignored (OCPI 2.3.0 asks receivers to tolerate
them); absent optional fields stay absent on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from evroam_pricing.errors import MalformedTariffError
from evroam_pricing.model.energy_mix import energy_mix_from_ocpi, energy_mix_to_ocpi
from evroam_pricing.model.tariff import (
    DayOfWeek,
    DisplayText,
    Price,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)

# OCPI 2.2.1 Types: DateTime — UTC, optional fraction, optional "Z"; offsets are not allowed.
_DATETIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z?")
_TIME = re.compile(r"([0-1][0-9]|2[0-3]):[0-5][0-9]")
_DATE = re.compile(r"([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


def tariff_from_ocpi(data: Mapping[str, Any]) -> Tariff:
    """Build a `Tariff` from an OCPI 2.2.1 Tariff object; raises a `PricingError` if invalid."""
    obj = _object(data, "tariff")
    return Tariff(
        country_code=_string(obj, "country_code", 2),
        party_id=_string(obj, "party_id", 3),
        id=_string(obj, "id", 36),
        currency=_string(obj, "currency", 3),
        type=_optional(obj, "type", lambda v, p: _enum(TariffType, v, p)),
        tariff_alt_text=tuple(_list(obj, "tariff_alt_text", _display_text)),
        tariff_alt_url=_optional(obj, "tariff_alt_url", lambda v, p: _text(v, p, 255)),
        min_price=_optional(obj, "min_price", _price),
        max_price=_optional(obj, "max_price", _price),
        elements=tuple(_list(obj, "elements", _element)),
        start_date_time=_optional(obj, "start_date_time", _datetime),
        end_date_time=_optional(obj, "end_date_time", _datetime),
        energy_mix=_optional(obj, "energy_mix", energy_mix_from_ocpi),
        last_updated=_datetime(_required(obj, "last_updated"), "last_updated"),
    )


def tariff_to_ocpi(tariff: Tariff) -> dict[str, Any]:
    """The OCPI 2.2.1 Tariff object for `tariff`, with Decimal numbers."""
    out: dict[str, Any] = {
        "country_code": tariff.country_code,
        "party_id": tariff.party_id,
        "id": tariff.id,
        "currency": tariff.currency,
        "type": tariff.type and tariff.type.value,
        "tariff_alt_text": [
            {"language": d.language, "text": d.text} for d in tariff.tariff_alt_text
        ],
        "tariff_alt_url": tariff.tariff_alt_url,
        "min_price": _price_out(tariff.min_price),
        "max_price": _price_out(tariff.max_price),
        "elements": [_element_out(e) for e in tariff.elements],
        "start_date_time": _datetime_out(tariff.start_date_time),
        "end_date_time": _datetime_out(tariff.end_date_time),
        "energy_mix": energy_mix_to_ocpi(tariff.energy_mix) if tariff.energy_mix else None,
        "last_updated": _datetime_out(tariff.last_updated),
    }
    return _compact(out)


# --- reading ---------------------------------------------------------------------------------


def _element(value: Any, path: str) -> TariffElement:
    obj = _object(value, path)
    return TariffElement(
        price_components=tuple(_list(obj, "price_components", _component, path)),
        restrictions=_optional(obj, "restrictions", _restrictions, path),
    )


def _component(value: Any, path: str) -> PriceComponent:
    obj = _object(value, path)
    return PriceComponent(
        type=_enum(TariffDimensionType, _required(obj, "type", path), f"{path}.type"),
        price=_decimal(_required(obj, "price", path), f"{path}.price"),
        vat=_optional(obj, "vat", _decimal, path),
        step_size=_int(_required(obj, "step_size", path), f"{path}.step_size"),
    )


def _restrictions(value: Any, path: str) -> TariffRestrictions:
    obj = _object(value, path)
    return TariffRestrictions(
        start_time=_optional(obj, "start_time", _time, path),
        end_time=_optional(obj, "end_time", _time, path),
        start_date=_optional(obj, "start_date", _date, path),
        end_date=_optional(obj, "end_date", _date, path),
        min_kwh=_optional(obj, "min_kwh", _decimal, path),
        max_kwh=_optional(obj, "max_kwh", _decimal, path),
        min_current=_optional(obj, "min_current", _decimal, path),
        max_current=_optional(obj, "max_current", _decimal, path),
        min_power=_optional(obj, "min_power", _decimal, path),
        max_power=_optional(obj, "max_power", _decimal, path),
        min_duration=_optional(obj, "min_duration", _int, path),
        max_duration=_optional(obj, "max_duration", _int, path),
        day_of_week=tuple(_list(obj, "day_of_week", lambda v, p: _enum(DayOfWeek, v, p), path)),
        reservation=_optional(
            obj, "reservation", lambda v, p: _enum(ReservationRestrictionType, v, p), path
        ),
    )


def _price(value: Any, path: str) -> Price:
    obj = _object(value, path)
    return Price(
        excl_vat=_decimal(_required(obj, "excl_vat", path), f"{path}.excl_vat"),
        incl_vat=_optional(obj, "incl_vat", _decimal, path),
    )


def _display_text(value: Any, path: str) -> DisplayText:
    obj = _object(value, path)
    return DisplayText(
        language=_string(obj, "language", 2, path), text=_string(obj, "text", 512, path)
    )


def _required(obj: Mapping[str, Any], key: str, parent: str = "") -> Any:
    if obj.get(key) is None:
        raise MalformedTariffError(_join(parent, key), "required field is missing")
    return obj[key]


def _optional(
    obj: Mapping[str, Any], key: str, parse: Callable[[Any, str], _T], parent: str = ""
) -> _T | None:
    value = obj.get(key)
    return None if value is None else parse(value, _join(parent, key))


def _list(
    obj: Mapping[str, Any], key: str, parse: Callable[[Any, str], _T], parent: str = ""
) -> list[_T]:
    # OCPI cardinality "*": absent, null and [] all mean an empty list.
    value = obj.get(key) or []
    path = _join(parent, key)
    if not isinstance(value, list):
        raise MalformedTariffError(path, "expected a list")
    return [parse(item, f"{path}[{i}]") for i, item in enumerate(value)]


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedTariffError(path, "expected an object")
    return value


def _string(obj: Mapping[str, Any], key: str, max_len: int, parent: str = "") -> str:
    return _text(_required(obj, key, parent), _join(parent, key), max_len)


def _text(value: Any, path: str, max_len: int) -> str:
    if not isinstance(value, str) or len(value) > max_len:
        raise MalformedTariffError(path, f"expected a string of at most {max_len} characters")
    return value


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise MalformedTariffError(path, "expected a JSON number")
    # repr of a float is its shortest round-tripping text: 0.1 -> Decimal("0.1"), not 0.1000...
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise MalformedTariffError(path, "expected a finite number")
    return number


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedTariffError(path, "expected an integer")
    return value


def _enum(cls: type[_E], value: Any, path: str) -> _E:
    try:
        return cls(value)
    except ValueError:
        raise MalformedTariffError(path, f"{value!r} is not a {cls.__name__}") from None


def _time(value: Any, path: str) -> time:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise MalformedTariffError(path, "expected a local time HH:MM")
    return time.fromisoformat(value)


def _date(value: Any, path: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise MalformedTariffError(path, "expected a local date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedTariffError(path, f"{value!r} is not a calendar date") from None


def _datetime(value: Any, path: str) -> datetime:
    match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise MalformedTariffError(path, "expected an OCPI DateTime (UTC)")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micros = int((match.group(7) or "0").ljust(6, "0"))
    try:
        return datetime(year, month, day, hour, minute, second, micros, tzinfo=UTC)
    except ValueError:
        raise MalformedTariffError(path, f"{value!r} is not a calendar instant") from None


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


# --- writing ---------------------------------------------------------------------------------


def _element_out(element: TariffElement) -> dict[str, Any]:
    components = [
        _compact({"type": c.type.value, "price": c.price, "vat": c.vat, "step_size": c.step_size})
        for c in element.price_components
    ]
    r = element.restrictions
    return _compact({"price_components": components, "restrictions": r and _restrictions_out(r)})


def _restrictions_out(r: TariffRestrictions) -> dict[str, Any]:
    return _compact(
        {
            "start_time": r.start_time and r.start_time.strftime("%H:%M"),
            "end_time": r.end_time and r.end_time.strftime("%H:%M"),
            "start_date": r.start_date and r.start_date.isoformat(),
            "end_date": r.end_date and r.end_date.isoformat(),
            "min_kwh": r.min_kwh,
            "max_kwh": r.max_kwh,
            "min_current": r.min_current,
            "max_current": r.max_current,
            "min_power": r.min_power,
            "max_power": r.max_power,
            "min_duration": r.min_duration,
            "max_duration": r.max_duration,
            "day_of_week": [d.value for d in r.day_of_week],
            "reservation": r.reservation and r.reservation.value,
        }
    )


def _price_out(price: Price | None) -> dict[str, Any] | None:
    if price is None:
        return None
    return _compact({"excl_vat": price.excl_vat, "incl_vat": price.incl_vat})


def _datetime_out(value: datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def _compact(obj: dict[str, Any]) -> dict[str, Any]:
    # Optional OCPI fields are omitted rather than sent as null or [].
    return {k: v for k, v in obj.items() if v is not None and v != []}
