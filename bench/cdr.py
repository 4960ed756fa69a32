"""CDR decisions: a completed session of about a hundred charging periods becomes a CDR, priced
again from its own periods and reconciled (`evroam_cdr.domain.decider.issue`), one after the
other in one process. Pure CPU, no I/O: `python -m bench.cdr --sessions 200`.

The sessions are bench.pricing's (power bands, a TIME price per hour of the day, parking),
priced by the engine as the session service does, then wrapped in the contracts' sample
`session.completed` payload.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench.pricing import ZONE, _p99, bench_session, bench_tariff
from evroam_cdr.domain.cdr import COST_FIELDS
from evroam_cdr.domain.checks import Known, Policy
from evroam_cdr.domain.decider import CdrState, IssueCdr, issue
from evroam_contracts.cdr import CdrIssued
from evroam_contracts.session import SessionCompleted
from evroam_pricing import SessionUsage, price_session, tariff_to_ocpi

SAMPLE = Path(__file__).resolve().parents[1] / "libs/contracts/samples/session.completed.v1.json"


def _price(p: object) -> dict[str, str] | None:
    if p is None:
        return None
    return {"excl_vat": str(p.excl_vat), "incl_vat": str(p.incl_vat)}  # type: ignore[attr-defined]


def completed(usage: SessionUsage, n: int) -> SessionCompleted:
    """The session as the session service would complete it."""
    tariff = bench_tariff()
    priced = price_session(tariff, usage, time_zone=ZONE)
    data = json.loads(SAMPLE.read_text())
    stop = usage.samples[-1].energy_wh
    data.update(
        session_id=f"BENCH-{n}",
        started_at=usage.start_at.isoformat(),
        ended_at=usage.end_at.isoformat(),
        meter_start_wh=usage.meter_start_wh,
        meter_stop_wh=stop,
        kwh=str(Decimal(stop - usage.meter_start_wh) / 1000),
        tariff={"tariff_id": tariff.id, "version": 1, "tariff": tariff_to_ocpi(tariff)},
        currency="EUR",
        total_time_h=str(priced.total_time_h),
        total_parking_time_h=str(priced.total_parking_time_h),
        charging_periods=[
            {
                "start_date_time": p.start_date_time.isoformat(),
                "tariff_id": p.tariff_id,
                "dimensions": [
                    {"type": str(d.type), "volume": str(d.volume)} for d in p.dimensions
                ],
            }
            for p in priced.charging_periods
        ],
        costs={name: _price(getattr(priced, name)) for name in COST_FIELDS},
    )
    return SessionCompleted.model_validate(data)


def run(sessions: int, seed: int = 4) -> None:
    rng = random.Random(seed)
    done = [completed(bench_session(rng), n) for n in range(sessions)]
    now = datetime(2028, 1, 1, tzinfo=UTC)  # after every bench session
    policy, known = Policy(), Known()
    durations, outcomes = [], []
    started = time.perf_counter()
    for session in done:
        t0 = time.perf_counter()
        [event] = issue(IssueCdr(session, known, policy, now), CdrState())
        durations.append(time.perf_counter() - t0)
        outcomes.append(isinstance(event, CdrIssued))
    elapsed = time.perf_counter() - started
    periods = statistics.mean(len(s.charging_periods) for s in done)
    print("| measurement | value |\n| --- | --- |")
    print(
        f"| CDRs decided ({sessions} sessions, {periods:.1f} periods on average; issued"
        f" {sum(outcomes)}, held {len(outcomes) - sum(outcomes)}) |"
        f" {sessions / elapsed:,.1f} CDRs/s ({elapsed:.2f} s) |"
    )
    print(f"| time per CDR, mean | {statistics.mean(durations) * 1000:.2f} ms |")
    print(f"| time per CDR, p99 | {_p99(durations) * 1000:.2f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cdr", description=__doc__)
    parser.add_argument("--sessions", type=int, default=200, help="sessions (default 200)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    args = parser.parse_args()
    run(args.sessions, args.seed)


if __name__ == "__main__":
    main()
