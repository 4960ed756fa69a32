"""OCPP 2.0.1 TransactionEvent seqNos (E13/E14): the ones between a transaction's first message
and its Ended that never arrived."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from evroam_gateway.domain.sequence import missing_seq_nos


def test_a_contiguous_transaction_misses_nothing() -> None:
    assert missing_seq_nos([0, 1, 2, 3], started=0, ended=3) == ()


def test_an_ended_that_is_the_next_seq_no_after_started_misses_nothing() -> None:
    assert missing_seq_nos([0], started=0, ended=1) == ()


def test_the_gaps_between_started_and_ended_are_reported_in_order() -> None:
    assert missing_seq_nos([0, 1, 4, 6], started=0, ended=7) == (2, 3, 5)


def test_messages_arriving_out_of_order_make_no_gap() -> None:
    assert missing_seq_nos({3, 0, 2, 1}, started=0, ended=4) == ()


def test_without_started_the_lowest_seq_no_seen_stands_in_for_it() -> None:
    assert missing_seq_nos([3, 4, 6], started=None, ended=7) == (5,)


def test_an_ended_alone_misses_nothing_that_can_be_known() -> None:
    assert missing_seq_nos([7], started=None, ended=7) == ()
    assert missing_seq_nos([], started=None, ended=7) == ()


def test_a_counter_kept_across_transactions_is_checked_from_this_transactions_started() -> None:
    assert missing_seq_nos([41, 42, 44, 45], started=41, ended=45) == (43,)


def test_duplicates_of_a_seq_no_count_once() -> None:
    assert missing_seq_nos([0, 1, 1, 3, 3, 3], started=0, ended=4) == (2,)


def test_updated_messages_before_ended_are_missing_when_only_started_arrived() -> None:
    assert missing_seq_nos([10, 14], started=10, ended=14) == (11, 12, 13)


@given(
    seen=st.lists(st.integers(min_value=0, max_value=500), max_size=60),
    above=st.integers(min_value=1, max_value=50),
    started_known=st.booleans(),
)
def test_the_missing_and_the_seen_cover_the_transaction_exactly_once(
    seen: list[int], above: int, started_known: bool
) -> None:
    ended = max(seen, default=0) + above
    started = min(seen, default=ended) if started_known else None

    missing = missing_seq_nos(seen, started, ended)

    first = min(seen, default=ended)
    covered = Counter([*missing, *set(seen)])
    assert sorted(covered) == list(range(first, ended))
    assert set(covered.values()) <= {1}
    assert list(missing) == sorted(missing)
