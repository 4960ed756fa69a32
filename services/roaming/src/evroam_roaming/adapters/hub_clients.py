"""What hubs told us of their clients (table `ocpi_hub_clients`, OCPI 2.2.1 section 3.8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_roaming.domain.partners import Party


class PostgresHubClients:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def put(
        self, hub_partner_id: str, party: Party, role: str, status: str, last_updated: datetime
    ) -> bool:
        """Keep the client's newest info; an older copy changes nothing. True when created."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO ocpi_hub_clients VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (hub_partner_id, country_code, party_id) DO UPDATE SET"
                " role = excluded.role, status = excluded.status,"
                " last_updated = excluded.last_updated"
                " WHERE excluded.last_updated >= ocpi_hub_clients.last_updated"
                " RETURNING xmax = 0",
                (hub_partner_id, party.country_code, party.party_id, role, status, last_updated),
            )
            row = await cur.fetchone()
        return bool(row and row[0])

    async def get(self, hub_partner_id: str, party: Party) -> dict[str, Any] | None:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT party_id, country_code, role, status, last_updated FROM ocpi_hub_clients"
                " WHERE hub_partner_id = %s AND country_code = %s AND party_id = %s",
                (hub_partner_id, party.country_code, party.party_id),
            )
            return await cur.fetchone()
