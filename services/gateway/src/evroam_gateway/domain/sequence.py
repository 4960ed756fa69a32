"""OCPP 2.0.1 TransactionEvent sequence numbers (E13/E14; ocpp.md section 3.6). Pure.

A transaction is complete when the CSMS holds Started (seqNo a), Ended (seqNo o > a) and every
seqNo between. Stations may legally drop Updated messages under memory pressure, and messages
may arrive in any order, so a gap is reported, never refused. Some stations keep one counter
across transactions instead of restarting at 0, so only contiguity within one transaction is
checked.
"""

from __future__ import annotations

from collections.abc import Collection


def missing_seq_nos(seen: Collection[int], started: int | None, ended: int) -> tuple[int, ...]:
    """The seqNos between the transaction's first and its Ended that never arrived. Without
    the Started message, the lowest seqNo seen stands in for it."""
    first = started if started is not None else min(seen, default=ended)
    return tuple(n for n in range(first, ended) if n not in seen)
