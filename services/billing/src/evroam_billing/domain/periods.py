"""Billing periods are local months (`YYYY-MM`): the month of the CDR's end in the time zone of
the location where the driver charged, DST included. Issue dates are the issuer's local days."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evroam_billing.domain.countries import default_time_zone
from evroam_billing.domain.errors import InvalidPeriodError, UnknownTimeZoneError

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZoneError(f"unknown time zone {time_zone!r}") from exc


def billing_period(at: datetime, time_zone: str) -> str:
    """`YYYY-MM` of `at` in the location's time zone: the driver's month is a local month."""
    return at.astimezone(zone(time_zone)).strftime("%Y-%m")


def local_date(at: datetime, time_zone: str) -> date:
    return at.astimezone(zone(time_zone)).date()


def check_period(period: str) -> str:
    if not _PERIOD.match(period):
        raise InvalidPeriodError(f"a billing period is YYYY-MM, not {period!r}")
    return period


def next_period(period: str) -> str:
    year, month = (int(part) for part in check_period(period).split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def period_ended(period: str, now: datetime) -> bool:
    """Whether the month is over everywhere we bill: from the first instant of the next month
    in UTC, which is at or after its end in every European zone but the Azores (ADR 0021)."""
    year, month = (int(part) for part in next_period(period).split("-"))
    return now >= datetime(year, month, 1, tzinfo=UTC)


def issue_date(now: datetime, issuer: str) -> date:
    """The day an issuer's document is dated: `now` in the issuer's home country (the country
    code of its party id, `NL*EVR`: Europe/Amsterdam), UTC for a country we do not know."""
    home = default_time_zone(issuer[:2]) or "UTC"
    return local_date(now, home)
