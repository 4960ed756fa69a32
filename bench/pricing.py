"""Pricing engine: sessions with about a hundred charging periods each, priced one after the
other in one process. Pure CPU, no I/O: `python -m bench.pricing --sessions 200`.

The tariff prices ENERGY by power band (OCPI 2.2.1 Tariffs: max_power) and TIME by the hour of
the day (start_time/end_time every hour, Europe/Amsterdam), so a new period starts at every
change of band and at every full hour. Each session has 100 meter samples five minutes apart
whose power never stays in the same band twice in a row, then 15 minutes of parking.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal

from evroam_pricing import (
    MeterSample,
    PriceComponent,
    SessionUsage,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    price_session,
)

ZONE = "Europe/Amsterdam"
SAMPLES = 100
SAMPLE_EVERY = timedelta(minutes=5)
PARKING = timedelta(minutes=15)
# Upper bounds (kW, exclusive) of the ENERGY bands; above the last, the default price applies.
BANDS_KW = (8, 12, 23)
POWERS_W = ((3_700, 7_400), (9_000, 11_000), (16_000, 22_000), (25_000, 50_000))
Dim = TariffDimensionType


def _component(dimension: TariffDimensionType, price: Decimal, step: int) -> PriceComponent:
    return PriceComponent(dimension, price, Decimal(21), step)


def bench_tariff() -> Tariff:
    energy_bands = [
        TariffElement(
            (_component(Dim.ENERGY, Decimal("0.25") + Decimal("0.05") * i, 1),),
            TariffRestrictions(max_power=Decimal(kw)),
        )
        for i, kw in enumerate(BANDS_KW)
    ]
    # Neighbouring hours always differ in price, so every full hour starts a period.
    hourly_time = [
        TariffElement(
            (_component(Dim.TIME, Decimal("0.50") + Decimal("0.10") * (h % 3), 60),),
            TariffRestrictions(start_time=time_of_day(h), end_time=time_of_day((h + 1) % 24)),
        )
        for h in range(24)
    ]
    default = TariffElement(
        (
            _component(Dim.FLAT, Decimal("0.35"), 0),
            _component(Dim.ENERGY, Decimal("0.45"), 1),
            _component(Dim.PARKING_TIME, Decimal("6.00"), 300),
        )
    )
    return Tariff(
        country_code="NL",
        party_id="EVR",
        id="BENCH",
        currency="EUR",
        elements=(*energy_bands, *hourly_time, default),
        last_updated=datetime(2026, 1, 1, tzinfo=UTC),
    )


def bench_session(rng: random.Random) -> SessionUsage:
    """A session starting on a random minute of 2026, so some cross a DST change."""
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(365 * 24 * 60))
    at, wh, band, samples = start, rng.randrange(10**6), -1, []
    meter_start = wh
    for _ in range(SAMPLES):
        band = rng.choice([b for b in range(len(POWERS_W)) if b != band])
        power_w = rng.randint(*POWERS_W[band])
        at += SAMPLE_EVERY
        wh += power_w * SAMPLE_EVERY.seconds // 3600
        samples.append(MeterSample(at, wh, power_w))
    return SessionUsage(start, meter_start, tuple(samples), at + PARKING, ((at, at + PARKING),))


def _p99(durations: list[float]) -> float:
    ordered = sorted(durations)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def run(sessions: int, seed: int = 4) -> None:
    tariff = bench_tariff()
    rng = random.Random(seed)
    usages = [bench_session(rng) for _ in range(sessions)]
    price_session(tariff, usages[0], time_zone=ZONE)  # warm the zone and import caches
    durations, periods = [], []
    started = time.perf_counter()
    for usage in usages:
        t0 = time.perf_counter()
        priced = price_session(tariff, usage, time_zone=ZONE)
        durations.append(time.perf_counter() - t0)
        periods.append(len(priced.charging_periods))
    elapsed = time.perf_counter() - started
    print("| measurement | value |\n| --- | --- |")
    print(
        f"| priced sessions ({sessions}, {SAMPLES} samples, periods min/mean/max "
        f"{min(periods)}/{statistics.mean(periods):.1f}/{max(periods)}) | "
        f"{sessions / elapsed:,.1f} sessions/s ({elapsed:.2f} s) |"
    )
    print(f"| time per session, mean | {statistics.mean(durations) * 1000:.2f} ms |")
    print(f"| time per session, p99 | {_p99(durations) * 1000:.2f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pricing", description=__doc__)
    parser.add_argument("--sessions", type=int, default=200, help="sessions to price (default 200)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    args = parser.parse_args()
    run(args.sessions, args.seed)


if __name__ == "__main__":
    main()
