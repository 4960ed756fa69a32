"""Tariffs as the Sender interface serves them (OCPI 2.2.1 section 3.4): the latest
published version of each tariff, as the tariff service published it. Pure.

The Sender's list is "the list of valid Tariffs", and a full pull replaces the receiver's list
(the pull-side twin of the Receiver's DELETE, "a tariff not used any more"). So a retired
tariff is listed until its `retired_from` (with that moment as its `end_date_time`, and the
retirement moving its `last_updated`, so that an incremental pull learns it), and not at all
from then on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from evroam_contracts.ocpi_json import InvalidDateTimeError, parse_datetime
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.cdrs.models import tariff_to_ocpi
from evroam_roaming.ocpi.pagination import PageRequest

# Audience of a tariff assigned to every eMSP (TariffAssigned without an eMSP party).
EVERYONE = Party("*", "*")


def published_at(tariff: Mapping[str, Any], fallback: datetime) -> datetime:
    """The tariff's own `last_updated` (the tariff service stamps it when it publishes), or
    the publication time when it has none that reads as an OCPI DateTime."""
    value = tariff.get("last_updated")
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except InvalidDateTimeError:
            pass
    return fallback


def tariff_for_partners(
    tariff: Mapping[str, Any], last_updated: datetime, retired_from: datetime | None
) -> dict[str, Any]:
    """The OCPI Tariff: numbers as numbers, DateTimes with `Z`; a pending retirement ends it."""
    data = tariff_to_ocpi(tariff)
    if retired_from is not None:
        end = data.get("end_date_time")
        if not isinstance(end, datetime) or end > retired_from:
            data["end_date_time"] = retired_from
    data["last_updated"] = last_updated
    return data


class TariffSource(Protocol):
    async def page(
        self, partner: Party, request: PageRequest, now: datetime
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        """(how many tariffs match the filters, those of the requested page) among the
        tariffs in force at `now` that `partner` may see, ordered by last_updated then id."""
        ...
