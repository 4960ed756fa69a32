"""Pushing objects to partners (OCPI 2.2.1 section 1.10): what an answer means, when to try
again, when to give up, and when to stop calling a partner for a while. Pure: answers, times
and counts come in."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

SUCCESS = 1000  # OCPI status code


@dataclass(frozen=True)
class PushPolicy:
    """`max_attempts` attempts in all, the n-th failure waiting `backoff_s * 2**(n-1)` (at most
    `backoff_max_s`); after `breaker_threshold` failures in a row a partner is not called for
    `breaker_cooldown_s`, then once to see whether it is back."""

    max_attempts: int = 8
    backoff_s: float = 2.0
    backoff_max_s: float = 300.0
    breaker_threshold: int = 5
    breaker_cooldown_s: float = 30.0

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed attempts; None: dead-letter it."""
        if attempts >= self.max_attempts:
            return None
        wait = min(self.backoff_s * 2 ** (attempts - 1), self.backoff_max_s)
        return now + timedelta(seconds=wait)


@dataclass(frozen=True)
class Answer:
    """What a partner's answer to a push means."""

    delivered: bool
    http_status: int | None
    ocpi_status: int | None
    detail: str | None = None
    location: str | None = None


def interpret(http_status: int, body: bytes, location: str | None) -> Answer:
    """OCPI 2.2.1 section 1.6/1.7: delivered is HTTP 2xx with status_code 1000. The CDRs
    Receiver answers with the Location of the stored CDR (section 3.3)."""
    try:
        ocpi_status = json.loads(body).get("status_code")
    except (ValueError, AttributeError):
        ocpi_status = None
    if 200 <= http_status < 300 and ocpi_status == SUCCESS:
        return Answer(True, http_status, ocpi_status, location=location)
    text = body[:200].decode(errors="replace")
    return Answer(
        False, http_status, ocpi_status, f"HTTP {http_status}, OCPI {ocpi_status}: {text}"
    )


def unreachable(detail: str) -> Answer:
    return Answer(False, None, None, detail[:300])


@dataclass(frozen=True)
class Breaker:
    """A partner's circuit breaker: closed, open until `open_until`, or half-open after it
    (one call decides)."""

    failures: int = 0
    open_until: datetime | None = None

    def allows(self, now: datetime) -> bool:
        return self.open_until is None or now >= self.open_until

    def after(self, answer: Answer, now: datetime, policy: PushPolicy) -> Breaker:
        if answer.delivered:
            return Breaker()
        failures = self.failures + 1
        if failures >= policy.breaker_threshold:
            return replace(
                self,
                failures=failures,
                open_until=now + timedelta(seconds=policy.breaker_cooldown_s),
            )
        return replace(self, failures=failures)
