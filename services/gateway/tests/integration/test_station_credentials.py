"""Station passwords on real PostgreSQL: set through the admin API or StationCredentials, kept
as an argon2id hash outside the log, and checked as the OCPP endpoint will check a WebSocket
upgrade (OCPP security profiles 1 and 2)."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import httpx
import pytest
from argon2 import PasswordHasher
from psycopg_pool import AsyncConnectionPool

from evroam_gateway.adapters.credentials import (
    HASHER,
    CredentialCheck,
    CredentialOutcome,
    StationCredentials,
)
from evroam_gateway.domain.registry_errors import InvalidPasswordError, StationNotFoundError

Events = Callable[[], Awaitable[list[tuple[Any, ...]]]]
Faults = Callable[[httpx.Response], dict[str, str]]
Registered = Callable[..., Awaitable[None]]
SECRET = "correct-horse-battery"
KEY_HEX = "0123456789ABCDEF0123456789ABCDEF01234567"  # a 20-byte OCPP 1.6 AuthorizationKey
OK1 = CredentialCheck(CredentialOutcome.OK, 1)


def basic(user: str, password: str | bytes) -> str:
    raw = password if isinstance(password, bytes) else password.encode()
    return "Basic " + base64.b64encode(user.encode() + b":" + raw).decode()


class CountingHasher(PasswordHasher):
    """The real hasher, counting verifications and the threads they ran on."""

    def __init__(self) -> None:
        p = HASHER
        super().__init__(p.time_cost, p.memory_cost, p.parallelism, p.hash_len, p.salt_len)
        self.threads: list[int] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.threads.append(threading.get_ident())
        return super().verify(hash, password)


async def stored(pool: AsyncConnectionPool) -> list[tuple[Any, ...]]:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT * FROM station_credentials")
        return list(await cur.fetchall())


async def test_a_password_is_kept_as_an_argon2id_hash_and_its_event_carries_no_secret(
    client: httpx.AsyncClient, pool: AsyncConnectionPool, events: Events, registered: Registered
) -> None:
    await registered()
    body = {"password": SECRET, "security_profile": 2}
    response = await client.put("/stations/CS-1/credentials", json=body)
    assert (response.status_code, response.content) == (204, b"")
    [(station_id, password_hash, profile, _)] = await stored(pool)
    assert (station_id, profile) == ("CS-1", 2)
    assert password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    [*_, (stream, _, kind, payload)] = await events()
    assert (stream, kind) == ("station-CS-1", "station.credentials_set")
    assert set(payload) == {"station_id", "security_profile", "set_at"}
    assert SECRET not in str(await events())


async def test_refused_passwords_are_never_echoed_and_leave_nothing(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    events: Events,
    faults: Faults,
    registered: Registered,
) -> None:
    await registered()
    before = await events()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"password": "short-secret", "security_profile": 1}, "password"),
        ({"password": SECRET + "\n", "security_profile": 1}, "password"),
        ({"password": SECRET * 2, "security_profile": 1}, "password"),
        ({"password": SECRET, "security_profile": 3}, "security_profile"),
        ({"password": SECRET}, "security_profile"),
        ({"password": SECRET, "security_profile": 1, "user": "x"}, "user"),
    ]
    for body, field in cases:
        response = await client.put("/stations/CS-1/credentials", json=body)
        assert field in faults(response), body
        assert str(body["password"])[:12] not in response.text
    garbage = await client.put("/stations/CS-1/credentials", content=b"password=" + b"x" * 20)
    assert set(faults(garbage)) == {"body"}
    assert await stored(pool) == []
    assert await events() == before


async def test_a_set_password_is_checked_like_a_websocket_upgrade(
    pool: AsyncConnectionPool, registered: Registered
) -> None:
    await registered()
    credentials = StationCredentials(pool)
    assert await credentials.check("CS-1", None, tls=False) == CredentialCheck(
        CredentialOutcome.OK, 0
    )
    await credentials.set_password("CS-1", SECRET, 1)
    assert await credentials.check("CS-1", basic("CS-1", SECRET), tls=False) == OK1
    assert await credentials.check("CS-1", basic("CS-1", SECRET), tls=True) == OK1
    for header, outcome in [
        (None, CredentialOutcome.MISSING),
        ("Bearer abc", CredentialOutcome.MISSING),
        ("Basic not-base64!", CredentialOutcome.MISSING),
        (basic("CS-1", "wrong-horse-battery"), CredentialOutcome.WRONG),
        (basic("CS-2", SECRET), CredentialOutcome.WRONG),  # another station's name
    ]:
        check = await credentials.check("CS-1", header, tls=False)
        assert check == CredentialCheck(outcome, 1), header


async def test_a_profile_2_station_must_use_tls(
    pool: AsyncConnectionPool, registered: Registered
) -> None:
    await registered()
    credentials = StationCredentials(pool)
    await credentials.set_password("CS-1", SECRET, 2)
    plain = await credentials.check("CS-1", basic("CS-1", SECRET), tls=False)
    assert plain == CredentialCheck(CredentialOutcome.INSECURE_CHANNEL, 2)
    assert (await credentials.check("CS-1", basic("CS-1", SECRET), tls=True)).ok


@pytest.mark.parametrize(
    "sent", [KEY_HEX, KEY_HEX.lower(), bytes.fromhex(KEY_HEX)], ids=["HEX", "hex", "raw"]
)
async def test_an_ocpp16_authorization_key_is_taken_as_hex_text_or_raw_bytes(
    pool: AsyncConnectionPool, registered: Registered, sent: str | bytes
) -> None:
    await registered()
    credentials = StationCredentials(pool)
    await credentials.set_password("CS-1", KEY_HEX, 1)
    assert await credentials.check("CS-1", basic("CS-1", sent), tls=False) == OK1


async def test_a_verified_password_is_remembered_until_it_changes(
    pool: AsyncConnectionPool, registered: Registered
) -> None:
    await registered()
    hasher = CountingHasher()
    credentials = StationCredentials(pool, hasher=hasher)
    await credentials.set_password("CS-1", SECRET, 1)
    for _ in range(3):
        assert (await credentials.check("CS-1", basic("CS-1", SECRET), tls=False)).ok
    assert len(hasher.threads) == 1  # argon2 ran once, for the first connect
    assert threading.get_ident() not in hasher.threads  # and not on the event loop's thread
    await credentials.set_password("CS-1", "a-new-password-for-cs1", 1)
    old = await credentials.check("CS-1", basic("CS-1", SECRET), tls=False)
    assert old.outcome is CredentialOutcome.WRONG
    assert (await credentials.check("CS-1", basic("CS-1", "a-new-password-for-cs1"), False)).ok
    for _ in range(2):  # failures are never remembered
        await credentials.check("CS-1", basic("CS-1", SECRET), tls=False)
    assert len(hasher.threads) == 5


async def test_only_a_registered_station_gets_a_password_and_rules_come_first(
    pool: AsyncConnectionPool, events: Events
) -> None:
    credentials = StationCredentials(pool)
    with pytest.raises(StationNotFoundError):
        await credentials.set_password("CS-9", SECRET, 1)
    with pytest.raises(InvalidPasswordError):
        await credentials.set_password("CS-9", "short", 1)
    assert await stored(pool) == []
    assert await events() == []


async def test_no_log_line_ever_holds_the_password(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    registered: Registered,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await registered()
    await client.put("/stations/CS-1/credentials", json={"password": SECRET, "security_profile": 1})
    await client.put("/stations/CS-1/credentials", json={"password": SECRET[:10]})
    credentials = StationCredentials(pool)
    await credentials.check("CS-1", basic("CS-1", SECRET), tls=False)
    await credentials.check("CS-1", basic("CS-1", SECRET + "x"), tls=False)
    assert SECRET[:10] not in caplog.text
