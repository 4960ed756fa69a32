"""CDRs as the Sender interface serves them (OCPI 2.2.1 section 3.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from evroam_contracts.cdr import Cdr
from evroam_contracts.ocpi_json import InvalidDateTimeError, parse_datetime
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.pagination import PageRequest

# Fields of the Tariff object and its parts (section 3.4) that OCPI types as number or int:
# PriceComponent price/vat/step_size, Price excl_vat/incl_vat (min_price, max_price),
# TariffRestrictions min_/max_ kwh, current, power, duration, EnergyMix percentage/amount.
_TARIFF_NUMBERS = frozenset(
    {
        "price",
        "vat",
        "step_size",
        "excl_vat",
        "incl_vat",
        "min_kwh",
        "max_kwh",
        "min_current",
        "max_current",
        "min_power",
        "max_power",
        "min_duration",
        "max_duration",
        "percentage",
        "amount",
    }
)
_TARIFF_DATETIMES = frozenset({"start_date_time", "end_date_time", "last_updated"})


class CdrSource(Protocol):
    async def page(self, token_owner: Party, request: PageRequest) -> tuple[int, Sequence[Cdr]]:
        """(how many CDRs match the filters, the CDRs of the requested page), only those
        whose `cdr_token` belongs to `token_owner`, ordered by last_updated then id."""
        ...


def cdr_to_ocpi(cdr: Cdr) -> dict[str, Any]:
    """The CDR object as plain data: Decimal and datetime stay typed, so that rendering gives
    JSON numbers and OCPI DateTimes. Unset optional fields are left out, not sent as null;
    fields a newer producer added (the contract keeps extras) travel along."""
    data = cdr.model_dump(mode="python", exclude_none=True)
    data["tariffs"] = [tariff_to_ocpi(t) for t in data.get("tariffs", ())]
    return data


def tariff_to_ocpi(tariff: Mapping[str, Any]) -> dict[str, Any]:
    """A tariff copy in a CDR is untyped in our contract, so a producer that held decimals
    sent its numbers as JSON strings; OCPI wants numbers, and DateTimes with `Z`."""
    return {k: _tariff_value(k, v) for k, v in tariff.items()}


def _tariff_value(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return tariff_to_ocpi(value)
    if isinstance(value, list | tuple):
        return [_tariff_value(key, v) for v in value]
    if isinstance(value, str) and key in _TARIFF_NUMBERS:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        return number if number.is_finite() else value
    if isinstance(value, str) and key in _TARIFF_DATETIMES:
        try:
            return parse_datetime(value)
        except InvalidDateTimeError:
            return value
    return value
