"""The objects partner CPOs send us as their eMSP (tables `emsp_locations`, `emsp_sessions`,
`emsp_cdrs`, `emsp_tariffs`, sql/0008): the only module that knows their SQL. Rows are
written in the transaction that appends the change's event (handlers/emsp_objects.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ocpi_json import ocpi_instant, render_json
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.received import Held, Module, ObjectKey, OcpiData, last_updated_of

_TABLES: Mapping[Module, str] = {
    "locations": "emsp_locations",
    "sessions": "emsp_sessions",
    "cdrs": "emsp_cdrs",
    "tariffs": "emsp_tariffs",
}
_KEY = "country_code = %s AND party_id = %s AND id = %s"


def _key(key: ObjectKey) -> tuple[str, str, str]:
    return key.owner.country_code, key.owner.party_id, key.id


def _data(text: str) -> OcpiData:
    # Decimal, not float, for every number: what we serve is exactly what we were sent.
    data: OcpiData = json.loads(text, parse_float=Decimal)
    return data


async def held(conn: AsyncConnection, key: ObjectKey) -> Held | None:
    """The object as we hold it, its row locked until the transaction ends."""
    cur = await conn.execute(
        f"SELECT object::text, stream_version, deleted_at IS NOT NULL FROM {_TABLES[key.module]}"
        f" WHERE {_KEY} FOR UPDATE",
        _key(key),
    )
    row = await cur.fetchone()
    return None if row is None else Held(_data(row[0]), int(row[1]), bool(row[2]))


async def time_zone_of(conn: AsyncConnection, owner: Party, location_id: str) -> str | None:
    """The time zone of a Location the partner sent us (None: no such Location, or none)."""
    cur = await conn.execute(
        "SELECT object->>'time_zone' FROM emsp_locations"
        " WHERE country_code = %s AND party_id = %s AND id = %s",
        (owner.country_code, owner.party_id, location_id.upper()),
    )
    row = await cur.fetchone()
    return str(row[0]) if row and row[0] else None


async def save(
    conn: AsyncConnection,
    key: ObjectKey,
    partner_id: str,
    data: OcpiData,
    version: int,
    at: datetime,
    *,
    deleted: bool = False,
) -> None:
    await conn.execute(
        f"INSERT INTO {_TABLES[key.module]} (country_code, party_id, id, partner_id,"
        " stream_version, last_updated, object, received_at, deleted_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (country_code, party_id, id) DO UPDATE SET"
        " partner_id = excluded.partner_id, stream_version = excluded.stream_version,"
        " last_updated = excluded.last_updated, object = excluded.object,"
        " received_at = excluded.received_at, deleted_at = excluded.deleted_at",
        (
            *_key(key),
            partner_id,
            version,
            ocpi_instant(last_updated_of(data)),
            render_json(data),
            at,
            at if deleted else None,
        ),
    )


class PostgresEmspObjects:
    """Reads for the Receivers' GETs."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def get(self, key: ObjectKey) -> OcpiData | None:
        """The object we hold (a deleted tariff is not held)."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT object::text FROM {_TABLES[key.module]}"
                f" WHERE {_KEY} AND deleted_at IS NULL",
                _key(key),
            )
            row = await cur.fetchone()
        return None if row is None else _data(row[0])
