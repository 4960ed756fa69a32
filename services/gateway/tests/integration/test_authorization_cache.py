"""The gateway's local authorization cache, folded from `token.registered` events on the real
PostgreSQL: the latest token state wins, whatever order redeliveries come in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from psycopg_pool import AsyncConnectionPool

import evroam_gateway.app
from evroam_contracts import Envelope
from evroam_contracts.authorization import TokenRegistered
from evroam_eventstore import open_pool
from evroam_gateway.handlers.authorization import on_token_registered
from evroam_runtime import sql_dir
from evroam_testing.infra import Infra


@pytest.fixture
async def pool(infra: Infra) -> AsyncIterator[AsyncConnectionPool]:
    with infra.migrated_database("evroam_gateway_it", sql_dir(evroam_gateway.app.__file__)) as url:
        pool = await open_pool(url, min_size=1, max_size=2, wait_s=10)
        yield pool
        await pool.close()


def registered(valid: bool, hour: int) -> TokenRegistered:
    return TokenRegistered(
        country_code="nl",
        party_id="evr",
        uid="CARD1",
        type="RFID",
        contract_id="NL-EVR-C12345678-X",
        issuer="evroam",
        valid=valid,
        whitelist="ALLOWED",
        last_updated=datetime(2026, 11, 21, hour, tzinfo=UTC),
    )


async def fold(pool: AsyncConnectionPool, *events: TokenRegistered) -> list[tuple[object, ...]]:
    for event in events:
        envelope = Envelope(
            event_id=uuid4(),
            type=event.type_name,
            version=event.version,
            source="authorization",
            time=event.last_updated,
            stream_id="token-NL-EVR-RFID-CARD1",
            stream_version=1,
            payload=event.to_json_dict(),
        )
        async with pool.connection() as conn, conn.transaction():
            await on_token_registered(conn, envelope, event)
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT country_code, party_id, valid, last_updated FROM authorization_cache"
            " WHERE uid = 'CARD1'"
        )
        return await cur.fetchall()


async def test_a_newer_token_state_replaces_the_cached_one(pool: AsyncConnectionPool) -> None:
    [(cc, party, valid, _)] = await fold(pool, registered(True, 9), registered(False, 10))
    assert (cc, party, valid) == ("NL", "EVR", False)


async def test_a_redelivered_older_state_never_brings_back_a_replaced_one(
    pool: AsyncConnectionPool,
) -> None:
    [(_, _, valid, updated)] = await fold(pool, registered(False, 10), registered(True, 9))
    assert valid is False
    assert updated == datetime(2026, 11, 21, 10, tzinfo=UTC)
