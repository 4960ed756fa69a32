"""Tariffs partners may pull (tables `ocpi_tariffs`, `ocpi_tariff_audiences`): written by
the CPO objects consumer in its transaction, read by the Sender interface. Each writer is
idempotent on its own: an older version never replaces a newer one, a second retirement or a
known audience changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ocpi_json import ocpi_instant
from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired
from evroam_roaming.adapters.paging import page_params, paged
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.pagination import PageRequest
from evroam_roaming.ocpi.tariffs.models import EVERYONE, published_at, tariff_for_partners


async def apply_published(conn: AsyncConnection, event: TariffPublished) -> None:
    """A new version replaces an older one; `last_updated` is the version's own, unless a
    retirement recorded later moved it on."""
    at = ocpi_instant(published_at(event.tariff, event.published_at))
    await conn.execute(
        "INSERT INTO ocpi_tariffs (tariff_id, version, last_updated, tariff)"
        " VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (tariff_id) DO UPDATE SET version = excluded.version,"
        " tariff = excluded.tariff, last_updated = GREATEST(excluded.last_updated,"
        " ocpi_tariffs.retired_at, ocpi_tariffs.shown_at)"
        " WHERE excluded.version > ocpi_tariffs.version",
        (event.tariff_id, event.tariff_version, at, json.dumps(event.tariff, default=str)),
    )


async def apply_retired(conn: AsyncConnection, event: TariffRetired, at: datetime) -> None:
    """Recorded once; a retirement that overtook the tariff's publication waits for it."""
    at = ocpi_instant(at)
    await conn.execute(
        "INSERT INTO ocpi_tariffs (tariff_id, version, last_updated, retired_from, retired_at)"
        " VALUES (%s, 0, %s, %s, %s)"
        " ON CONFLICT (tariff_id) DO UPDATE SET retired_from = excluded.retired_from,"
        " retired_at = excluded.retired_at,"
        " last_updated = GREATEST(ocpi_tariffs.last_updated, excluded.retired_at)"
        " WHERE ocpi_tariffs.retired_from IS NULL",
        (event.tariff_id, at, ocpi_instant(event.retired_from), at),
    )


async def apply_assigned(conn: AsyncConnection, event: TariffAssigned, at: datetime) -> None:
    """Who may see the tariff: every partner, or the eMSP the assignment names. A partner
    that can newly see it must find it in an incremental pull, so `last_updated` moves."""
    at = ocpi_instant(at)
    audience = (
        Party.of(event.emsp_country_code, event.emsp_party_id)
        if event.emsp_country_code and event.emsp_party_id
        else EVERYONE
    )
    cur = await conn.execute(
        "INSERT INTO ocpi_tariff_audiences (tariff_id, country_code, party_id)"
        " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        (event.tariff_id, audience.country_code, audience.party_id),
    )
    if await cur.fetchone() is None:
        return
    await conn.execute(
        "INSERT INTO ocpi_tariffs (tariff_id, version, last_updated, shown_at)"
        " VALUES (%s, 0, %s, %s)"
        " ON CONFLICT (tariff_id) DO UPDATE SET"
        " shown_at = GREATEST(ocpi_tariffs.shown_at, excluded.shown_at),"
        " last_updated = GREATEST(ocpi_tariffs.last_updated, excluded.shown_at)",
        (event.tariff_id, at, at),
    )


async def for_push(
    conn: AsyncConnection, tariff_id: str
) -> tuple[dict[str, Any], frozenset[Party]] | None:
    """The tariff as partners read it now and who may see it (EVERYONE among them when no
    assignment names an eMSP); None until its publication has arrived."""
    cur = await conn.execute(
        "SELECT tariff::text, last_updated, retired_from FROM ocpi_tariffs"
        " WHERE tariff_id = %s AND tariff IS NOT NULL",
        (tariff_id,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    cur = await conn.execute(
        "SELECT country_code, party_id FROM ocpi_tariff_audiences WHERE tariff_id = %s",
        (tariff_id,),
    )
    audience = frozenset(Party(cc, pid) for cc, pid in await cur.fetchall()) or {EVERYONE}
    tariff = tariff_for_partners(json.loads(row[0], parse_float=Decimal), row[1], row[2])
    return tariff, frozenset(audience)


# In force at `now`, and for the caller: a tariff with no audience yet (published, not
# assigned) or one that includes everyone or the caller.
_TARIFF_FILTER = (
    " FROM ocpi_tariffs t WHERE t.tariff IS NOT NULL"
    " AND (t.retired_from IS NULL OR t.retired_from > %(now)s)"
    " AND (NOT EXISTS (SELECT 1 FROM ocpi_tariff_audiences a WHERE a.tariff_id = t.tariff_id)"
    " OR EXISTS (SELECT 1 FROM ocpi_tariff_audiences a WHERE a.tariff_id = t.tariff_id"
    " AND (a.country_code, a.party_id) IN (('*', '*'), (%(cc)s, %(pid)s))))"
    " AND (%(date_from)s::timestamptz IS NULL OR t.last_updated >= %(date_from)s)"
    " AND (%(date_to)s::timestamptz IS NULL OR t.last_updated < %(date_to)s)"
)


class PostgresTariffs:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def page(
        self, partner: Party, request: PageRequest, now: datetime
    ) -> tuple[int, list[dict[str, Any]]]:
        async with self._pool.connection() as conn, conn.transaction():
            total, rows = await paged(
                conn,
                "t.tariff::text, t.last_updated, t.retired_from",
                _TARIFF_FILTER,
                "t.last_updated, t.tariff_id",
                page_params(request, partner, now=now),
            )
        # Decimal, not float, for every number: jsonb keeps the digits the tariff was sent with.
        return total, [
            tariff_for_partners(json.loads(r[0], parse_float=Decimal), r[1], r[2]) for r in rows
        ]
