"""Station Basic-auth credentials (OCPP security profiles 1 and 2; ocpp.md section 1.8).

The password's argon2id hash lives in the write-side table `station_credentials`, outside the
event log: the log is published and kept for ever, a secret must be replaceable and erasable
(docs/adr/0012-station-credentials.md). `check` answers a WebSocket upgrade's Authorization
header. Neither the password nor its hash is ever logged, returned or put in an event.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_gateway.domain.registry_rules import (
    canonical_password,
    check_password,
    check_security_profile,
    password_fits,
)
from evroam_gateway.handlers.commands import handle_set_credentials

# argon2id (RFC 9106's choice against both side channels and GPU cracking) with OWASP's
# recommended minimum, m=19 MiB, t=2, p=1: about 50 ms on one core here. A station keeps one
# connection for days, so 50 ms per connect is nothing, while a password tried offline from a
# stolen table costs the same 50 ms and 19 MiB each. RFC 9106's 64 MiB / t=3 / p=4 profile
# would make a reconnect storm after a restart (thousands of stations within a minute) cost
# 2 GiB of memory at 32 verifications in flight; the passwords are machine-set 16..40
# characters, not human ones, so the lower cost is enough. The hash records its parameters:
# changing them later keeps every stored hash verifiable.
HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
# Verifications at once: each holds 19 MiB and a core for 50 ms; more would only queue in
# the default thread pool, which other work of this process shares.
ARGON2_SLOTS = 4
# Successful verifications remembered, newest kept: a replica's stations fit many times over.
CACHE_SIZE = 20_000


class CredentialOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing"  # the station has credentials but sent no (readable) Basic header
    WRONG = "wrong"  # wrong password, or a Basic user name that is not the station id
    INSECURE_CHANNEL = "insecure_channel"  # a profile 2 station connecting without TLS


@dataclass(frozen=True)
class CredentialCheck:
    """The answer for one upgrade; `security_profile` is the station's (0: no credentials)."""

    outcome: CredentialOutcome
    security_profile: int

    @property
    def ok(self) -> bool:
        return self.outcome is CredentialOutcome.OK


@dataclass(frozen=True, repr=False)
class BasicCredentials:
    user: str
    password: bytes  # as sent: OCPP 1.6 allows raw bytes (AuthorizationKey)

    def __repr__(self) -> str:  # a password must not reach a log through a repr
        return f"BasicCredentials(user={self.user!r}, password=<{len(self.password)} bytes>)"


def parse_basic(header: str | None) -> BasicCredentials | None:
    """`Basic base64(user:password)` (RFC 7617), or None when it is anything else."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
        user, colon, password = raw.partition(b":")
        return BasicCredentials(user.decode("utf-8"), password) if colon else None
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def candidates(password: bytes) -> list[str]:
    """What the stored password may be, given the bytes a station sent: their text (OCPP
    2.0.1, and 1.6 stations that send AuthorizationKey as hex), then their hex form (1.6
    stations that send the key's raw bytes, as the original 1.6J text describes)."""
    found: list[str] = []
    try:
        text = password.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and password_fits(text):
        found.append(canonical_password(text))
    if password_fits(hexed := password.hex()) and hexed not in found:
        found.append(hexed)
    return found


def precheck(
    station_id: str, security_profile: int, header: str | None, tls: bool
) -> CredentialCheck | BasicCredentials:
    """Everything decided without the hash: the channel first (no password work for an
    insecure one), then the header's form and user name. Credentials to verify otherwise."""
    if security_profile >= 2 and not tls:
        return CredentialCheck(CredentialOutcome.INSECURE_CHANNEL, security_profile)
    basic = parse_basic(header)
    if basic is None:
        return CredentialCheck(CredentialOutcome.MISSING, security_profile)
    if basic.user != station_id:  # no station may speak for another
        return CredentialCheck(CredentialOutcome.WRONG, security_profile)
    return basic


def _matches(hasher: PasswordHasher, password_hash: str, tried: list[str]) -> bool:
    for candidate in tried:
        try:
            return hasher.verify(password_hash, candidate)
        except VerifyMismatchError:
            continue
        except (VerificationError, InvalidHashError):
            return False
    return False


class StationCredentials:
    """Sets and checks station passwords. One per process: its cache of successful
    verifications is what spares argon2 when stations reconnect."""

    def __init__(self, pool: AsyncConnectionPool, *, hasher: PasswordHasher = HASHER) -> None:
        self._pool, self._hasher = pool, hasher
        self._slots = asyncio.Semaphore(ARGON2_SLOTS)
        # (stored hash, sha256 of the presented password): a new password has a new hash (a
        # new salt), so it can never hit an entry of the old one.
        self._verified: OrderedDict[tuple[str, bytes], None] = OrderedDict()

    async def set_password(self, station_id: str, password: str, security_profile: int) -> None:
        """Replace a registered station's password (StationNotFoundError otherwise) and
        record `station.credentials_set`; rule errors from `registry_rules`."""
        canonical = check_password(password)
        check_security_profile(security_profile)
        async with self._slots:
            password_hash = await asyncio.to_thread(self._hasher.hash, canonical)
        now = datetime.now(UTC)

        async def save(conn: AsyncConnection) -> None:
            await conn.execute(
                "INSERT INTO station_credentials (station_id, password_hash, security_profile,"
                " set_at) VALUES (%s, %s, %s, %s) ON CONFLICT (station_id) DO UPDATE SET"
                " password_hash = excluded.password_hash,"
                " security_profile = excluded.security_profile, set_at = excluded.set_at",
                (station_id, password_hash, security_profile, now),
            )

        await handle_set_credentials(self._pool, station_id, security_profile, now, save)

    async def check(
        self, station_id: str, authorization_header: str | None, tls: bool
    ) -> CredentialCheck:
        """May this upgrade request speak for `station_id`? A station without credentials
        (profile 0) may, whatever it sends; the caller decides whether it knows the station."""
        stored = await self._stored(station_id)
        if stored is None:
            return CredentialCheck(CredentialOutcome.OK, 0)
        password_hash, profile = stored
        first = precheck(station_id, profile, authorization_header, tls)
        if isinstance(first, CredentialCheck):
            return first
        ok = await self._verify(password_hash, first.password)
        return CredentialCheck(CredentialOutcome.OK if ok else CredentialOutcome.WRONG, profile)

    async def _stored(self, station_id: str) -> tuple[str, int] | None:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT password_hash, security_profile FROM station_credentials"
                " WHERE station_id = %s",
                (station_id,),
            )
            row = await cur.fetchone()
        return (str(row[0]), int(row[1])) if row else None

    async def _verify(self, password_hash: str, presented: bytes) -> bool:
        key = (password_hash, hashlib.sha256(presented).digest())
        if key in self._verified:
            self._verified.move_to_end(key)
            return True
        tried = candidates(presented)
        if not tried:
            return False
        async with self._slots:  # argon2 off the event loop, a few at a time
            ok = await asyncio.to_thread(_matches, self._hasher, password_hash, tried)
        if ok:
            self._verified[key] = None
            if len(self._verified) > CACHE_SIZE:
                self._verified.popitem(last=False)
        return ok
