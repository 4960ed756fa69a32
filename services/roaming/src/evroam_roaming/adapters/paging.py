"""One page of an OCPI list and how many objects match, read in one snapshot so that
`X-Total-Count` agrees with the page (OCPI 2.2.1 section 1.8)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.pagination import PageRequest


def page_params(request: PageRequest, owner: Party | None = None, **more: Any) -> dict[str, Any]:
    """The query parameters every list filter uses: %(date_from)s, %(date_to)s, %(offset)s,
    %(limit)s, and %(cc)s / %(pid)s for the owner the list is restricted to."""
    params = {
        "date_from": request.date_from,
        "date_to": request.date_to,
        "offset": request.offset,
        "limit": request.limit,
        **more,
    }
    if owner is not None:
        params |= {"cc": owner.country_code, "pid": owner.party_id}
    return params


async def paged(
    conn: AsyncConnection, columns: str, where: str, order: str, params: dict[str, Any]
) -> tuple[int, list[tuple[Any, ...]]]:
    """`SELECT columns` + `where` (a ` FROM ... WHERE ...` clause), ordered, one page. Call
    first thing in a transaction: it makes the transaction one snapshot, and whatever else
    the caller reads in it (e.g. a page's EVSEs) belongs to the same moment."""
    await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    cur = await conn.execute("SELECT count(*)" + where, params)
    counted = await cur.fetchone()
    cur = await conn.execute(
        f"SELECT {columns}{where} ORDER BY {order} OFFSET %(offset)s LIMIT %(limit)s", params
    )
    return (int(counted[0]) if counted else 0), await cur.fetchall()
