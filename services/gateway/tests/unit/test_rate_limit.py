"""Per-connection flow control: a station's CALLs drain a token bucket that refills with the
clock the caller passes in."""

from __future__ import annotations

from evroam_gateway.domain.rate_limit import TokenBucket


def served(bucket: TokenBucket, at: float, calls: int) -> list[bool]:
    return [bucket.take(at) for _ in range(calls)]


def test_a_burst_is_served_then_calls_are_refused_until_the_bucket_refills() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=3)

    assert served(bucket, 100.0, 4) == [True, True, True, False]
    assert bucket.take(100.5) is False
    assert served(bucket, 101.0, 2) == [True, False]


def test_the_first_call_finds_a_full_bucket_whatever_the_clock_reads() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=2)

    assert served(bucket, 1_000_000.0, 3) == [True, True, False]


def test_fractions_of_a_token_accumulate_until_a_whole_one_is_there() -> None:
    bucket = TokenBucket(rate_per_s=2.0, burst=1)
    bucket.take(0.0)

    assert bucket.take(0.25) is False
    assert bucket.take(0.5) is True


def test_an_idle_station_saves_up_no_more_than_its_burst() -> None:
    bucket = TokenBucket(rate_per_s=10.0, burst=5)
    served(bucket, 0.0, 5)

    assert served(bucket, 3600.0, 6) == [True] * 5 + [False]


def test_a_station_calling_at_the_rate_is_never_refused() -> None:
    bucket = TokenBucket(rate_per_s=2.0, burst=1)

    assert all(bucket.take(n * 0.5) for n in range(100))


def test_refused_calls_cost_no_tokens() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=1)
    bucket.take(0.0)

    assert served(bucket, 0.5, 10) == [False] * 10
    assert bucket.take(1.0) is True


def test_a_bucket_without_refill_serves_its_burst_once() -> None:
    bucket = TokenBucket(rate_per_s=0.0, burst=2)

    assert served(bucket, 0.0, 2) == [True, True]
    assert bucket.take(1_000.0) is False


def test_refusals_in_a_row_are_counted() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=1)
    bucket.take(0.0)

    served(bucket, 0.0, 3)

    assert bucket.refused_in_a_row == 3


def test_a_served_call_resets_the_count_of_refusals_in_a_row() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=1)
    bucket.take(0.0)
    served(bucket, 0.0, 3)

    assert bucket.take(1.0) is True
    assert bucket.refused_in_a_row == 0
    assert bucket.take(1.0) is False
    assert bucket.refused_in_a_row == 1


def test_a_station_that_never_floods_has_no_refusals() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=3)

    served(bucket, 0.0, 3)

    assert bucket.refused_in_a_row == 0
