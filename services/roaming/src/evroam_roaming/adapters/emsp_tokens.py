"""Our own drivers' tokens (table `emsp_tokens`, sql/0009) and the CPOs we push them to. The
only module that knows this table's SQL."""

from __future__ import annotations

import json
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ocpi_json import ocpi_instant
from evroam_contracts.shared import OcpiToken, TokenType
from evroam_roaming.adapters import pushes
from evroam_roaming.adapters.paging import page_params, paged
from evroam_roaming.domain.emsp_tokens import TOKEN_CLIENT_ROLES
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.tokens import TokenKey
from evroam_roaming.ocpi.pagination import PageRequest
from evroam_roaming.ocpi.tokens.models import token_json

_KEY = "country_code = %s AND party_id = %s AND uid = %s AND type = %s"


def _key(key: TokenKey) -> tuple[str, str, str, str]:
    return (key.owner.country_code, key.owner.party_id, key.uid, key.type)


async def keep(conn: AsyncConnection, token: OcpiToken, stream_version: int) -> bool:
    """Keep the token as its stream's version `stream_version` says it is; an older version
    (a re-published event) changes nothing. True when it was kept (new or newer)."""
    key = TokenKey.of_token(token)
    cur = await conn.execute(
        "INSERT INTO emsp_tokens (country_code, party_id, uid, type, valid, last_updated,"
        " stream_version, token) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (country_code, party_id, uid, type) DO UPDATE SET"
        " valid = excluded.valid, last_updated = excluded.last_updated,"
        " stream_version = excluded.stream_version, token = excluded.token"
        " WHERE excluded.stream_version > emsp_tokens.stream_version"
        " RETURNING 1",
        (
            *_key(key),
            token.valid,
            ocpi_instant(token.last_updated),
            stream_version,
            json.dumps(token_json(token)),
        ),
    )
    return await cur.fetchone() is not None


async def forget(conn: AsyncConnection, key: TokenKey, stream_version: int) -> None:
    """The key now names a roaming partner's token: it is no longer ours to serve."""
    await conn.execute(
        f"DELETE FROM emsp_tokens WHERE {_KEY} AND stream_version < %s",
        (*_key(key), stream_version),
    )


async def token_receivers(conn: AsyncConnection) -> list[pushes.Receiver]:
    """Every connected CPO (or hub) offering a Tokens Receiver (section 3.5: the eMSP pushes
    its tokens to the CPOs). An eMSP partner offering one is left alone: tokens are not its."""
    cur = await conn.execute(
        "SELECT partner_id FROM view_partners_v1 WHERE role = ANY(%s)", (list(TOKEN_CLIENT_ROLES),)
    )
    clients = {row[0] for row in await cur.fetchall()}
    return [r for r in await pushes.receivers_of(conn, "tokens") if r.partner_id in clients]


_LIST = (
    " FROM emsp_tokens WHERE (%(date_from)s::timestamptz IS NULL OR last_updated >= %(date_from)s)"
    " AND (%(date_to)s::timestamptz IS NULL OR last_updated < %(date_to)s)"
)


class PostgresEmspTokens:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def page(self, request: PageRequest) -> tuple[int, list[dict[str, Any]]]:
        """One page of our tokens, oldest first (section 1.8); every CPO sees all of them."""
        async with self._pool.connection() as conn, conn.transaction():
            total, rows = await paged(
                conn,
                "token::text",
                _LIST,
                "last_updated, country_code, party_id, uid, type",
                page_params(request),
            )
        return total, [json.loads(r[0]) for r in rows]

    async def find(self, uid: str, type_: TokenType, addressed: Party | None) -> OcpiToken | None:
        """Our token with this uid and type. The authorize URL names no owner (section 3.5):
        if several of our parties issued the uid, the one the CPO addressed (OCPI-to) wins,
        then the most recently updated."""
        to = addressed or Party("", "")
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT token::text FROM emsp_tokens WHERE uid = %s AND type = %s"
                " ORDER BY (country_code = %s AND party_id = %s) DESC, last_updated DESC"
                " LIMIT 1",
                (uid.upper(), type_, to.country_code, to.party_id),
            )
            row = await cur.fetchone()
        return OcpiToken.model_validate_json(row[0]) if row else None
