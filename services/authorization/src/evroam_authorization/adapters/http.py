"""Admin and query API of the authorization service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_authorization.handlers.commands import register_token
from evroam_contracts.authorization import TokenRegistered
from evroam_runtime import require_admin


def router(pool: AsyncConnectionPool, admin_token: str | None) -> APIRouter:
    api = APIRouter()
    admin = [Depends(require_admin(admin_token))]

    @api.put("/tokens/{country_code}/{party_id}/{uid}", dependencies=admin)
    async def put_token(
        country_code: str, party_id: str, uid: str, body: TokenRegistered
    ) -> dict[str, Any]:
        """Create or replace one of our tokens (OCPI Token fields)."""
        if (body.country_code.upper(), body.party_id.upper(), body.uid) != (
            country_code.upper(),
            party_id.upper(),
            uid,
        ):
            raise HTTPException(422, "the token in the body is not the one in the URL")
        async with pool.connection() as conn:
            version = await register_token(conn, body)
        return {"uid": uid, "version": version}

    @api.get("/tokens/{country_code}/{party_id}/{uid}")
    async def get_token(country_code: str, party_id: str, uid: str) -> dict[str, Any]:
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT * FROM view_tokens_v2 WHERE country_code=%s AND party_id=%s AND uid=%s",
                (country_code.upper(), party_id.upper(), uid),
            )
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, "token not found")
        return row

    return api
