"""Per-connection flow control: a token bucket over the CALLs a station sends. Pure: the
caller passes the clock in.

A charger that floods (a firmware loop resending MeterValues, a replay storm) must not starve
the thousands of others sharing the gateway's event loop and database pool. A burst is allowed
(a reconnecting station replays its offline queue); past it, CALLs are refused with a
CALLERROR until the bucket refills, and a station that keeps going is disconnected.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TokenBucket:
    rate_per_s: float
    burst: int
    tokens: float = -1.0
    at: float = 0.0
    refused_in_a_row: int = 0

    def take(self, now: float) -> bool:
        """True when a CALL arriving at `now` (monotonic seconds) may be handled."""
        if self.tokens < 0:
            self.tokens, self.at = float(self.burst), now
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate_per_s)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused_in_a_row = 0
            return True
        self.refused_in_a_row += 1
        return False
