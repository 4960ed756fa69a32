"""Every query of the roaming service's own tables (the projections own their DDL)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.cdr import Cdr
from evroam_contracts.ocpi_json import ocpi_instant
from evroam_contracts.shared import OcpiToken
from evroam_roaming.adapters.paging import page_params, paged
from evroam_roaming.domain.partners import Partner, Party
from evroam_roaming.domain.tokens import TokenKey
from evroam_roaming.ocpi.pagination import PageRequest
from evroam_roaming.ocpi.tokens.authorize import TokensSender

_PARTNER_COLUMNS = "partner_id, name, country_code, party_id, role, token_sha256, registered_at"


def _partner(row: dict[str, Any]) -> Partner:
    return Partner(
        partner_id=row["partner_id"],
        name=row["name"],
        party=Party(row["country_code"], row["party_id"]),
        role=row["role"],
        token_sha256=row["token_sha256"],
    )


class PostgresPartners:
    def __init__(self, pool: AsyncConnectionPool, us: Party | None = None) -> None:
        self._pool, self._us = pool, us

    async def by_token_sha256(self, hashes: Sequence[str]) -> list[Partner]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"SELECT {_PARTNER_COLUMNS} FROM view_partners_v1 WHERE token_sha256 = ANY(%s)",
                (list(hashes),),
            )
            return [_partner(r) for r in await cur.fetchall()]

    async def hub_client_connected(self, hub_partner_id: str, party: Party) -> bool:
        """Did the hub tell us (HubClientInfo) that this party is a CONNECTED client of it?
        A hub's word never covers our own party, nor a party registered with us itself: that
        one speaks for itself, and a hub claiming it would read and write its objects."""
        if party == self._us:
            return False
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT 1 FROM ocpi_hub_clients h WHERE h.hub_partner_id = %s"
                " AND h.country_code = %s AND h.party_id = %s AND h.status = 'CONNECTED'"
                " AND NOT EXISTS (SELECT 1 FROM view_partners_v1 p"
                " WHERE p.country_code = h.country_code AND p.party_id = h.party_id"
                " AND p.partner_id <> h.hub_partner_id)",
                (hub_partner_id, party.country_code, party.party_id),
            )
            return await cur.fetchone() is not None


async def upsert_cdr(conn: AsyncConnection, cdr: Cdr) -> None:
    """Idempotent on its own (besides the consumer's processed-event row): the same CDR again
    changes nothing, and an older copy never replaces a newer one."""
    await conn.execute(
        "INSERT INTO ocpi_cdrs (country_code, party_id, id, token_country_code, token_party_id,"
        " last_updated, cdr) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (country_code, party_id, id) DO UPDATE SET"
        " token_country_code = excluded.token_country_code,"
        " token_party_id = excluded.token_party_id, last_updated = excluded.last_updated,"
        " cdr = excluded.cdr"
        " WHERE excluded.last_updated >= ocpi_cdrs.last_updated"
        " AND excluded.cdr IS DISTINCT FROM ocpi_cdrs.cdr",
        (
            cdr.country_code.upper(),
            cdr.party_id.upper(),
            cdr.id,
            cdr.cdr_token.country_code.upper(),
            cdr.cdr_token.party_id.upper(),
            ocpi_instant(cdr.last_updated),
            json.dumps(cdr.model_dump(mode="json", exclude_none=True)),
        ),
    )


_CDR_FILTER = (
    " FROM ocpi_cdrs WHERE token_country_code = %(cc)s AND token_party_id = %(pid)s"
    " AND (%(date_from)s::timestamptz IS NULL OR last_updated >= %(date_from)s)"
    " AND (%(date_to)s::timestamptz IS NULL OR last_updated < %(date_to)s)"
)


class PostgresCdrs:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def page(self, token_owner: Party, request: PageRequest) -> tuple[int, list[Cdr]]:
        async with self._pool.connection() as conn, conn.transaction():
            total, rows = await paged(
                conn,
                "cdr::text",
                _CDR_FILTER,
                # (country_code, party_id) last: ids are unique per CPO party only.
                "last_updated, id, country_code, party_id",
                page_params(request, token_owner),
            )
        # Decimal, not float, for every number (tariff copies carry JSON numbers).
        return total, [Cdr.model_validate(json.loads(r[0], parse_float=Decimal)) for r in rows]


async def save_partner_secret(
    conn: AsyncConnection, partner_id: str, party: Party, token: str, at: datetime
) -> None:
    """Keep the credentials token we present to the partner (token B), outside the log."""
    await conn.execute(
        "INSERT INTO partner_secrets VALUES (%s, %s, %s, %s, %s) ON CONFLICT (partner_id)"
        " DO UPDATE SET credentials_token = excluded.credentials_token,"
        " updated_at = excluded.updated_at",
        (partner_id, party.country_code, party.party_id, token, at),
    )


async def delete_partner_secret(conn: AsyncConnection, partner_id: str) -> None:
    """Forget the token we presented to a partner that unregistered (OCPI 2.2.1 section 2.5)."""
    await conn.execute("DELETE FROM partner_secrets WHERE partner_id = %s", (partner_id,))


async def tokens_sender(conn: AsyncConnection, owner: Party) -> TokensSender | None:
    """The eMSP of a token owner that completed the handshake and offers a tokens SENDER."""
    cur = await conn.execute(
        "SELECT c.partner_id, c.endpoints, s.credentials_token"
        " FROM view_partner_connections_v1 c JOIN partner_secrets s USING (partner_id)"
        " WHERE c.country_code = %s AND c.party_id = %s ORDER BY c.exchanged_at DESC LIMIT 1",
        (owner.country_code, owner.party_id),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    partner_id, endpoints, token = row
    urls = [e["url"] for e in endpoints if e["identifier"] == "tokens" and e["role"] == "SENDER"]
    return TokensSender(partner_id, urls[0], token) if urls else None


class PostgresTokens:
    """Tokens received from eMSPs (projection `view_ocpi_tokens_v1`)."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def get(self, key: TokenKey) -> OcpiToken | None:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT token::text FROM view_ocpi_tokens_v1"
                " WHERE country_code = %s AND party_id = %s AND uid = %s AND type = %s",
                (key.owner.country_code, key.owner.party_id, key.uid, key.type),
            )
            row = await cur.fetchone()
        return OcpiToken.model_validate_json(row[0]) if row else None
