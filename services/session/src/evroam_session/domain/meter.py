"""The energy register as billed: readings in time order, one per instant, never falling.

Real meters misbehave. A reading below the one before it is either a glitch (the register
comes back above it afterwards: the reading is left out) or a reset (the meter was replaced
or restarted at zero and keeps counting from its new base: energy continues from where it
was, and nothing is counted between the last reading before and the first after). Either way
the session carries a warning, so a CDR built from it can be held for review. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from evroam_contracts.shared import MeterSample


@dataclass(frozen=True)
class Register:
    samples: tuple[MeterSample, ...]
    warnings: tuple[str, ...]

    def energy_wh(self, meter_start_wh: int) -> int:
        return (self.samples[-1].energy_wh if self.samples else meter_start_wh) - meter_start_wh


def register(
    meter_start_wh: int, samples: Iterable[MeterSample], after: datetime, until: datetime
) -> Register:
    """The readings in (after, until], made monotonic from `meter_start_wh`. Of two readings
    at one instant the later-listed wins (a stop reading is listed last)."""
    by_time = {s.at: s for s in samples if after < s.at <= until}
    ordered = sorted(by_time.values(), key=lambda s: s.at)
    kept: list[MeterSample] = []
    warnings: list[str] = []
    raw_before, billed_before = meter_start_wh, meter_start_wh
    shift = 0
    # The highest reading after each one: a fall the register later climbs back over is a
    # glitch, however many low readings it takes.
    highest_after = [-1] * len(ordered)
    for i in range(len(ordered) - 2, -1, -1):
        highest_after[i] = max(highest_after[i + 1], ordered[i + 1].energy_wh)
    for i, s in enumerate(ordered):
        if s.energy_wh < raw_before:
            if highest_after[i] >= raw_before:
                warnings.append(
                    f"meter reading {s.energy_wh} Wh at {s.at.isoformat()} is below"
                    f" {raw_before} Wh and was left out"
                )
                continue
            shift = billed_before - s.energy_wh
            warnings.append(
                f"meter went back from {raw_before} Wh to {s.energy_wh} Wh at"
                f" {s.at.isoformat()}: counted as a meter reset"
            )
        billed = s.energy_wh + shift
        kept.append(s if billed == s.energy_wh else s.model_copy(update={"energy_wh": billed}))
        raw_before, billed_before = s.energy_wh, billed
    return Register(tuple(kept), tuple(warnings))
