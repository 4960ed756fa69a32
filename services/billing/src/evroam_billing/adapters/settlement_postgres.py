"""The settlement consumer's own tables (sql/0003_settlement.sql) and its locks. The only
module that knows these table names."""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import AsyncConnection

from evroam_billing.domain.statement_decider import Delivery


async def lock_cdrs(conn: AsyncConnection, cdr_ids: Iterable[str]) -> None:
    """Serialise everything about these CDRs until the transaction ends, so that a push
    outcome and the CDR it names cannot pass each other unseen. Sorted: no deadlock between
    two credit CDRs. Two int4 keys: a lock space apart from the event store's."""
    for cdr_id in sorted(set(cdr_ids)):
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('evroam.billing.settlement_cdr'), hashtext(%s))",
            (cdr_id,),
        )


async def lock_statement(conn: AsyncConnection, stream: str) -> None:
    """Queue the commands of one statement (CDRs of one eMSP come from many partitions and
    operators act at the same time), so that the expected-version retries are not exhausted.
    Always taken after the CDR locks."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('evroam.billing.statement'), hashtext(%s))",
        (stream,),
    )


async def statement_of_cdr(conn: AsyncConnection, cdr_id: str) -> str | None:
    cur = await conn.execute(
        "SELECT statement_id FROM settlement_cdr_statements WHERE cdr_id = %s", (cdr_id,)
    )
    row = await cur.fetchone()
    return None if row is None else str(row[0])


async def remember_cdr(conn: AsyncConnection, cdr_id: str, statement_id: str) -> None:
    await conn.execute(
        "INSERT INTO settlement_cdr_statements (cdr_id, statement_id) VALUES (%s, %s)"
        " ON CONFLICT (cdr_id) DO NOTHING",
        (cdr_id, statement_id),
    )


async def early_delivery(conn: AsyncConnection, cdr_id: str) -> Delivery | None:
    cur = await conn.execute(
        "SELECT partner_id, delivered_at FROM settlement_early_deliveries WHERE cdr_id = %s",
        (cdr_id,),
    )
    row = await cur.fetchone()
    return None if row is None else Delivery(row[0], row[1])


async def remember_delivery(conn: AsyncConnection, cdr_id: str, delivery: Delivery) -> None:
    """The first delivery counts; a later one (a replayed push) changes nothing."""
    await conn.execute(
        "INSERT INTO settlement_early_deliveries (cdr_id, partner_id, delivered_at)"
        " VALUES (%s, %s, %s) ON CONFLICT (cdr_id) DO NOTHING",
        (cdr_id, delivery.partner_id, delivery.delivered_at),
    )


async def forget_delivery(conn: AsyncConnection, cdr_id: str) -> None:
    await conn.execute("DELETE FROM settlement_early_deliveries WHERE cdr_id = %s", (cdr_id,))
