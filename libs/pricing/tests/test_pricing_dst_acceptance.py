"""Acceptance (issue 4): a session that crosses a time-of-day restriction at 18:00 local time
during a DST change night is priced by hand in a test and matches.

Location time zone Europe/Amsterdam. Tariff EVENING_RATE (EUR, VAT 21 %, step_size 1):
  element A, start_time 18:00, end_time 08:00 (wraps midnight): ENERGY 0.20/kWh, TIME 0.50/h
  element B, no restrictions:                                    ENERGY 0.30/kWh, TIME 1.00/h
The car charges at a constant 2 kW from plug-in to unplug: 2 kWh per real hour. The meter is
read only at the end, so every boundary's energy comes from linear interpolation in real time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pricing_support import (
    AMSTERDAM,
    ENERGY,
    TIME,
    D,
    component,
    element,
    hm,
    local,
    sample,
    tariff,
)

from evroam_pricing import (
    CdrDimensionType,
    Price,
    PricedSession,
    SessionUsage,
    TariffDimensionType,
    price_session,
)

EVENING_RATE = tariff(
    element(
        component(ENERGY, "0.20", vat="21"),
        component(TIME, "0.50", vat="21"),
        start_time=hm("18:00"),
        end_time=hm("08:00"),
    ),
    element(component(ENERGY, "0.30", vat="21"), component(TIME, "1.00", vat="21")),
)


def _charge_at_2_kw(start: datetime, end: datetime, energy_wh: int) -> PricedSession:
    usage = SessionUsage(start, 0, (sample(end, energy_wh, power_w=2_000),), end)
    return price_session(EVENING_RATE, usage, time_zone=AMSTERDAM)


def _periods(priced: PricedSession) -> list[tuple[datetime, Decimal, Decimal]]:
    """(start_date_time in UTC, ENERGY kWh, TIME h) of each charging period."""
    rows = []
    for p in priced.charging_periods:
        volumes = {d.type: d.volume for d in p.dimensions}
        assert volumes[CdrDimensionType.MIN_POWER] == volumes[CdrDimensionType.MAX_POWER] == 2
        rows.append(
            (p.start_date_time, volumes[CdrDimensionType.ENERGY], volumes[CdrDimensionType.TIME])
        )
    return rows


def _lines(priced: PricedSession) -> list[tuple[TariffDimensionType, Decimal, Decimal, Decimal]]:
    return [
        (line.dimension, line.quantity, line.unit_price, line.cost.excl_vat)
        for line in priced.lines
    ]


def utc(day: int, month: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_session_across_18_00_on_the_fall_back_night_matches_the_hand_computation() -> None:
    """Sat 2026-10-24 16:00 CEST (UTC+2) = 14:00Z  ->  Sun 2026-10-25 19:00 CET (UTC+1) = 18:00Z.
    At 03:00 CEST (01:00Z) the clocks go back to 02:00 CET: the wall clock shows 27 h, the
    session lasts 14:00Z -> 18:00Z = 28 real hours, so 28 h x 2 kW = 56 kWh.

    period  local wall clock                 UTC            real h  kWh  rate
    1       Sat 16:00 - 18:00 CEST           14:00Z-16:00Z    2      4   B (day)
    2       Sat 18:00 CEST - Sun 08:00 CET   16:00Z-07:00Z   15     30   A (night; 14 h on
                                                                           the wall + the
                                                                           repeated hour)
    3       Sun 08:00 - 18:00 CET            07:00Z-17:00Z   10     20   B
    4       Sun 18:00 - 19:00 CET            17:00Z-18:00Z    1      2   A
                                                             --     --
                                                             28     56

    ENERGY  4 x 0.30 + 30 x 0.20 + 20 x 0.30 + 2 x 0.20 = 1.20 + 6.00 + 6.00 + 0.40 = 13.60
    TIME    2 x 1.00 + 15 x 0.50 + 10 x 1.00 + 1 x 0.50 = 2.00 + 7.50 + 10.00 + 0.50 = 20.00
    total excl. VAT 33.60; incl. VAT 33.60 x 1.21 = 40.656 -> 40.66 (HALF_UP)
    energy incl. 13.60 x 1.21 = 16.456 -> 16.46; time incl. 20.00 x 1.21 = 24.20
    """
    start, end = local("2026-10-24 16:00"), local("2026-10-25 19:00")
    assert (start, end) == (utc(24, 10, 14), utc(25, 10, 18))
    priced = _charge_at_2_kw(start, end, 56_000)

    assert _periods(priced) == [
        (utc(24, 10, 14), D(4), D(2)),
        (utc(24, 10, 16), D(30), D(15)),
        (utc(25, 10, 7), D(20), D(10)),
        (utc(25, 10, 17), D(2), D(1)),
    ]
    assert _lines(priced) == [
        (ENERGY, D(4), D("0.30"), D("1.20")),
        (TIME, D(2), D("1.00"), D("2.00")),
        (ENERGY, D(30), D("0.20"), D("6.00")),
        (TIME, D(15), D("0.50"), D("7.50")),
        (ENERGY, D(20), D("0.30"), D("6.00")),
        (TIME, D(10), D("1.00"), D("10.00")),
        (ENERGY, D(2), D("0.20"), D("0.40")),
        (TIME, D(1), D("0.50"), D("0.50")),
    ]
    assert priced.total_energy_cost == Price(D("13.60"), D("16.46"))
    assert priced.total_time_cost == Price(D("20.00"), D("24.20"))
    assert priced.total_cost == Price(D("33.60"), D("40.66"))
    assert (priced.total_energy_kwh, priced.total_time_h) == (D(56), D(28))


def test_a_session_across_18_00_on_the_spring_forward_night_matches_the_hand_computation() -> None:
    """Sat 2026-03-28 16:00 CET (UTC+1) = 15:00Z  ->  Sun 2026-03-29 19:00 CEST (UTC+2) = 17:00Z.
    At 02:00 CET (01:00Z) the clocks jump to 03:00 CEST: the wall clock shows 27 h, the
    session lasts 15:00Z -> 17:00Z = 26 real hours, so 26 h x 2 kW = 52 kWh.

    period  local wall clock                 UTC            real h  kWh  rate
    1       Sat 16:00 - 18:00 CET            15:00Z-17:00Z    2      4   B (day)
    2       Sat 18:00 CET - Sun 08:00 CEST   17:00Z-06:00Z   13     26   A (night; 14 h on
                                                                           the wall - the
                                                                           skipped hour)
    3       Sun 08:00 - 18:00 CEST           06:00Z-16:00Z   10     20   B
    4       Sun 18:00 - 19:00 CEST           16:00Z-17:00Z    1      2   A
                                                             --     --
                                                             26     52

    ENERGY  4 x 0.30 + 26 x 0.20 + 20 x 0.30 + 2 x 0.20 = 1.20 + 5.20 + 6.00 + 0.40 = 12.80
    TIME    2 x 1.00 + 13 x 0.50 + 10 x 1.00 + 1 x 0.50 = 2.00 + 6.50 + 10.00 + 0.50 = 19.00
    total excl. VAT 31.80; incl. VAT 31.80 x 1.21 = 38.478 -> 38.48 (HALF_UP)
    energy incl. 12.80 x 1.21 = 15.488 -> 15.49; time incl. 19.00 x 1.21 = 22.99
    """
    start, end = local("2026-03-28 16:00"), local("2026-03-29 19:00")
    assert (start, end) == (utc(28, 3, 15), utc(29, 3, 17))
    priced = _charge_at_2_kw(start, end, 52_000)

    assert _periods(priced) == [
        (utc(28, 3, 15), D(4), D(2)),
        (utc(28, 3, 17), D(26), D(13)),
        (utc(29, 3, 6), D(20), D(10)),
        (utc(29, 3, 16), D(2), D(1)),
    ]
    assert _lines(priced) == [
        (ENERGY, D(4), D("0.30"), D("1.20")),
        (TIME, D(2), D("1.00"), D("2.00")),
        (ENERGY, D(26), D("0.20"), D("5.20")),
        (TIME, D(13), D("0.50"), D("6.50")),
        (ENERGY, D(20), D("0.30"), D("6.00")),
        (TIME, D(10), D("1.00"), D("10.00")),
        (ENERGY, D(2), D("0.20"), D("0.40")),
        (TIME, D(1), D("0.50"), D("0.50")),
    ]
    assert priced.total_energy_cost == Price(D("12.80"), D("15.49"))
    assert priced.total_time_cost == Price(D("19.00"), D("22.99"))
    assert priced.total_cost == Price(D("31.80"), D("38.48"))
    assert (priced.total_energy_kwh, priced.total_time_h) == (D(52), D(26))
