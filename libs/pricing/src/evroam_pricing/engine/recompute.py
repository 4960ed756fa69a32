"""Price a CDR from its charging periods alone: the eMSP's check of the CPO's total_cost.

OCPI 2.2.1 CDRs: a CDR "must contain enough dimensions (charging periods) for the eMSP to
re-compute total_cost", with a new period wherever another component becomes active, so each
period is priced by the components selected at its start (digest 4.4). The periods then go
through `price_session`'s own `summarise`: step_size, min/max_price, VAT and rounding happen
once, in the same place, and a CDR made by `price_session` re-prices to the same totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from itertools import pairwise
from zoneinfo import ZoneInfo

from evroam_pricing.engine.clock import load_zone
from evroam_pricing.engine.meter import Level, seconds
from evroam_pricing.engine.periods import Period
from evroam_pricing.engine.result import CdrDimensionType, ChargingPeriod, PricedSession
from evroam_pricing.engine.rounding import ARITHMETIC
from evroam_pricing.engine.selection import ELEMENT_CLASSES, Moment, Phase, select
from evroam_pricing.engine.session import flat_drafts, require_in_force, summarise
from evroam_pricing.engine.usage import require_aware
from evroam_pricing.errors import ChargingPeriodsError
from evroam_pricing.model.tariff import Tariff, TariffDimensionType

Cdr = CdrDimensionType
Dim = TariffDimensionType
Volumes = dict[CdrDimensionType, Decimal]


def price_charging_periods(
    tariff: Tariff,
    periods: Sequence[ChargingPeriod],
    *,
    start_at: datetime,
    end_at: datetime,
    time_zone: str,
) -> PricedSession:
    """Price the charging periods of a CDR from `start_at` to `end_at` (its start and end
    date_time) with `tariff`; restrictions are read in `time_zone` (Location.time_zone).

    OCPI 2.2.1 CDRs: ChargingPeriod — a period lasts until the next one starts, the last until
    `end_at`; durations come from these instants, never from the TIME volumes (hours as long,
    inexact decimals). Only `start_date_time`, `dimensions` and `tariff_id` are read; a
    tariff_id must be `tariff.id` or absent (read as this tariff, the CDR's only one).

    Restrictions are read with each period's MIN_POWER/MIN_CURRENT. That is exact for CDRs
    made by `price_session`: when a tariff restricts power or current it keeps stretches of
    different levels in periods of their own (periods.py), so a period's level is the level at
    its start. A CDR from elsewhere that merged levels may re-price differently, which is the
    point of checking it. A session of zero length has no periods and is rejected.
    Reservation time is out of scope.
    """
    zone = load_zone(time_zone)
    _check_instants(periods, start_at, end_at)
    require_in_force(tariff, start_at)
    volumes = [_volumes(p, tariff.id) for p in periods]
    with localcontext(ARITHMETIC):
        ends = [p.start_date_time for p in periods[1:]] + [end_at]
        priced: list[Period] = []
        energy_wh = Decimal(0)
        for period, end, period_volumes in zip(periods, ends, volumes, strict=True):
            start = period.start_date_time
            moment = _moment(period_volumes, start, zone, energy_wh, start - start_at)
            priced.append(_priced(tariff, period_volumes, start, end, moment))
            energy_wh += priced[-1].energy_wh
        # Like price_session: the start fee is read at the session start, at the first level.
        flats = flat_drafts(tariff, Phase.SESSION, start_at, end_at, zone, _level(volumes[0]))
        return summarise(
            tariff,
            priced,
            flats,
            energy_wh=energy_wh,
            time_s=seconds(end_at - start_at),
            parking_s=sum((p.seconds for p in priced if p.parking), Decimal(0)),
        )


def _check_instants(
    periods: Sequence[ChargingPeriod], start_at: datetime, end_at: datetime
) -> None:
    """OCPI 2.2.1 CDRs: the periods tile the session, each ending where the next starts; a gap
    at the start would go unpriced, a period of no duration has nothing to price."""
    require_aware(start_at, "start_at")
    require_aware(end_at, "end_at")
    starts = [p.start_date_time for p in periods]
    for index, at in enumerate(starts):
        require_aware(at, f"charging period {index} start_date_time")
    if not starts:
        raise ChargingPeriodsError("no charging periods: OCPI 2.2.1 CDRs require at least one")
    for a, b in pairwise(starts):
        if b <= a:
            raise ChargingPeriodsError(f"periods are not in time order: {b} follows {a}")
    if starts[0] != start_at:
        raise ChargingPeriodsError(f"the first period starts {starts[0]}, not at {start_at}")
    if starts[-1] >= end_at:
        raise ChargingPeriodsError(f"the last period starts {starts[-1]}, not before {end_at}")


def _volumes(period: ChargingPeriod, tariff_id: str) -> Volumes:
    """The period's volumes by type, refusing what cannot be priced with this tariff."""
    if period.tariff_id not in (None, tariff_id):
        raise ChargingPeriodsError(
            f"period at {period.start_date_time} is priced by tariff {period.tariff_id}, "
            f"not {tariff_id}: step_size is never applied across tariffs"
        )
    volumes: Volumes = {}
    for dimension in period.dimensions:
        if dimension.type is Cdr.RESERVATION_TIME:
            raise ChargingPeriodsError(
                f"period at {period.start_date_time} has RESERVATION_TIME: re-pricing "
                "reservations from charging periods is not supported"
            )
        if dimension.volume < 0 or dimension.type in volumes:
            raise ChargingPeriodsError(
                f"period at {period.start_date_time}: {dimension.type} {dimension.volume} is "
                "negative or repeated"
            )
        volumes[dimension.type] = dimension.volume
    return volumes


def _moment(
    volumes: Volumes, start: datetime, zone: ZoneInfo, energy_wh: Decimal, elapsed: timedelta
) -> Moment:
    """The restriction state at a period's start, built as `segments._moment` builds it: local
    wall clock, session Wh so far, seconds since the session start, and the level."""
    level = _level(volumes)
    local = start.astimezone(zone)
    return Moment(local, energy_wh, seconds(elapsed), level.power_w, level.current_a)


def _level(volumes: Volumes) -> Level:
    """A CDR gives the level only as the period's MIN_POWER (kW) and MIN_CURRENT (A)."""
    power_kw = volumes.get(Cdr.MIN_POWER)
    return Level(None if power_kw is None else power_kw * 1000, volumes.get(Cdr.MIN_CURRENT))


def _priced(
    tariff: Tariff, volumes: Volumes, start: datetime, end: datetime, moment: Moment
) -> Period:
    """One CDR period as an engine Period. OCPI 2.2.1 CDRs: PARKING_TIME marks time not
    charging, priced by PARKING_TIME components; any other period is charging time (TIME)."""
    parking = Cdr.PARKING_TIME in volumes
    selected = []
    for dimension in (Dim.ENERGY, Dim.PARKING_TIME if parking else Dim.TIME):
        chosen = select(tariff, dimension, moment, ELEMENT_CLASSES[Phase.SESSION])
        if chosen is not None:
            selected.append((dimension, chosen))
    return Period(
        start=start,
        end=end,
        phase=Phase.SESSION,
        parking=parking,
        energy_wh=volumes.get(Cdr.ENERGY, Decimal(0)) * 1000,
        powers_w=_present(volumes, Cdr.MIN_POWER, Cdr.MAX_POWER, Decimal(1000)),
        currents_a=_present(volumes, Cdr.MIN_CURRENT, Cdr.MAX_CURRENT, Decimal(1)),
        selected=tuple(selected),
    )


def _present(volumes: Volumes, low: Cdr, high: Cdr, scale: Decimal) -> tuple[Decimal, ...]:
    """The period's extremes in engine units, so the re-priced periods show what was given."""
    return tuple(volumes[t] * scale for t in (low, high) if t in volumes)
