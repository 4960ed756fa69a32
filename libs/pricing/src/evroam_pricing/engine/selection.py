"""Which price component is active for a dimension at a moment.

OCPI 2.2.1 Tariffs: Tariff object — per dimension, the first TariffElement (in list order) that
has a component of that dimension and whose restrictions all match is used; if none matches,
the dimension is free at that moment. Components of different dimensions may come from
different elements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum

from evroam_pricing.model.tariff import (
    DayOfWeek,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffRestrictions,
)

_DAY_SECONDS = Decimal(86_400)


class Phase(StrEnum):
    SESSION = "SESSION"
    RESERVATION = "RESERVATION"
    EXPIRED_RESERVATION = "EXPIRED_RESERVATION"


# Elements a phase may use, by their `reservation` restriction, in order of preference.
# OCPI 2.2.1 Tariffs: ReservationRestrictionType — an expired reservation's time is priced by
# the RESERVATION_EXPIRES element when it has a TIME component, else by the RESERVATION one.
RES, EXPIRES = (
    ReservationRestrictionType.RESERVATION,
    ReservationRestrictionType.RESERVATION_EXPIRES,
)
ELEMENT_CLASSES: dict[Phase, tuple[ReservationRestrictionType | None, ...]] = {
    Phase.SESSION: (None,),
    Phase.RESERVATION: (RES,),
    Phase.EXPIRED_RESERVATION: (EXPIRES, RES),
}


@dataclass(frozen=True)
class Moment:
    """The state restrictions are evaluated against, at the start of a period.

    `local` is the instant in the location's zone; `energy_wh` the session energy so far;
    `elapsed_s` the seconds since the phase started; power and current are None when unknown.
    """

    local: datetime
    energy_wh: Decimal
    elapsed_s: Decimal
    power_w: Decimal | None
    current_a: Decimal | None


@dataclass(frozen=True)
class Selected:
    """The component in force: its position in the tariff identifies it."""

    element: int
    position: int
    component: PriceComponent
    reservation: ReservationRestrictionType | None


def select(
    tariff: Tariff,
    dimension: TariffDimensionType,
    moment: Moment,
    classes: tuple[ReservationRestrictionType | None, ...],
) -> Selected | None:
    """The first matching component of `dimension` among elements of the given classes."""
    for wanted in classes:
        for e, element in enumerate(tariff.elements):
            r = element.restrictions
            if (r.reservation if r else None) != wanted or not matches(r, moment):
                continue
            for p, component in enumerate(element.price_components):
                if component.type == dimension:
                    return Selected(e, p, component, wanted)
    return None


def matches(r: TariffRestrictions | None, m: Moment) -> bool:
    """Do all restrictions that are set hold at `m`? (`reservation` is the phase's business.)"""
    if r is None:
        return True
    return (
        _in_time_window(r, m.local)
        and _in_date_window(r, m.local)
        and (not r.day_of_week or DayOfWeek.of(m.local.date()) in r.day_of_week)
        and _in_range(m.energy_wh, _kwh_to_wh(r.min_kwh), _kwh_to_wh(r.max_kwh))
        and _in_range(m.elapsed_s, r.min_duration, r.max_duration)
        and _in_range(m.current_a, r.min_current, r.max_current)
        and _in_range(_kw(m.power_w), r.min_power, r.max_power)
    )


def _in_time_window(r: TariffRestrictions, local: datetime) -> bool:
    if r.start_time is None and r.end_time is None:
        return True
    start = _seconds_of_day(r.start_time or time(0))
    # OCPI 2.2.1 Tariffs: end_time — "To stop at end of the day use: 00:00".
    end = _seconds_of_day(r.end_time) if r.end_time not in (None, time(0)) else _DAY_SECONDS
    wall = _seconds_of_day(local.time())
    if start < end:
        return start <= wall < end
    if start > end:  # OCPI 2.2.1 Tariffs: end_time < start_time wraps to the next day.
        return wall >= start or wall < end
    return True  # start == end: the window wraps all the way round (the whole day)


def _in_date_window(r: TariffRestrictions, local: datetime) -> bool:
    day = local.date()
    return (r.start_date is None or day >= r.start_date) and (
        r.end_date is None or day < r.end_date
    )


def _in_range(value: Decimal | None, low: Decimal | int | None, high: Decimal | int | None) -> bool:
    """min inclusive, max exclusive; an unknown value never satisfies a bound."""
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value < high)


def _kwh_to_wh(kwh: Decimal | None) -> Decimal | None:
    return None if kwh is None else kwh * 1000


def _kw(watts: Decimal | None) -> Decimal | None:
    return None if watts is None else watts / 1000


def _seconds_of_day(t: time) -> Decimal:
    return Decimal(t.hour * 3600 + t.minute * 60 + t.second) + Decimal(t.microsecond).scaleb(-6)
