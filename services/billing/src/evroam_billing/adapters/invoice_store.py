"""The write side of driver invoices beyond the event store: the locks that order commands, the
gapless number sequences, and two lookups in our own log. The only module of the invoice side
that knows these table names (read models are in invoice_queries.py)."""

from __future__ import annotations

from psycopg import AsyncConnection

# Two-int4 advisory keys: a lock space apart from the event store's single-key append lock.
_CONTRACT_LOCK = "SELECT pg_advisory_xact_lock(hashtext('evroam.billing.contract'), hashtext(%s))"
_PERIODS_KEY = "hashtext('evroam.billing.periods'), 0"


async def lock_contract(conn: AsyncConnection, stream: str) -> None:
    """CDRs of one contract arrive on different partitions, and a close issues its invoices
    meanwhile: commands on one contract queue here until their transaction ends, so a busy
    contract never exhausts the conflict retries (the expected version stays the guard)."""
    await conn.execute(_CONTRACT_LOCK, (stream,))


async def lock_periods(conn: AsyncConnection, *, exclusive: bool) -> None:
    """A CDR reads the closed periods under a shared lock, a close records its period under
    the exclusive one: a CDR either sees the period closed, or committed its line before the
    close looks for the period's open invoices (so no invoice of a closed period stays open)."""
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute(f"SELECT {fn}({_PERIODS_KEY})")


async def next_sequence(conn: AsyncConnection, issuer: str, year: int) -> int:
    """The next number of the issuer's sequence for the year. The row stays locked until the
    transaction ends, and rolls back with it: a number is used by exactly one committed issue,
    and concurrent issues wait for each other rather than skip or reuse one."""
    cur = await conn.execute(
        "INSERT INTO invoice_number_sequences AS s (issuer, year, last_sequence)"
        " VALUES (%s, %s, 1) ON CONFLICT (issuer, year)"
        " DO UPDATE SET last_sequence = s.last_sequence + 1 RETURNING last_sequence",
        (issuer, year),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def closed_periods(conn: AsyncConnection) -> frozenset[str]:
    cur = await conn.execute(
        "SELECT payload->>'period' FROM events WHERE type = 'billing.invoicing_period_closed'"
    )
    return frozenset(str(r[0]) for r in await cur.fetchall())


async def open_invoices(conn: AsyncConnection, period: str) -> list[tuple[str, str]]:
    """(contract id, invoice id) of every invoice of the period not issued yet, read from the
    log itself (not a read model, which may lag behind it)."""
    cur = await conn.execute(
        "SELECT o.payload->>'contract_id', o.payload->>'invoice_id' FROM events o"
        " WHERE o.type = 'billing.invoice_opened' AND o.payload->>'billing_period' = %s"
        " AND NOT EXISTS (SELECT 1 FROM events i WHERE i.type = 'billing.invoice_issued'"
        "   AND i.payload->>'invoice_id' = o.payload->>'invoice_id')"
        " ORDER BY 1, 2",
        (period,),
    )
    return [(str(c), str(i)) for c, i in await cur.fetchall()]
