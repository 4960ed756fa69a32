"""Tokens as the authorization service knows them now: our own and our roaming partners'.

V2 keys a token by (country_code, party_id, uid, type) as OCPI 2.2.1 does, and carries every
OCPI Token field plus where it came from (`source`, `partner_id`)."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from evroam_eventstore import RecordedEvent

COLUMNS = (
    "country_code",
    "party_id",
    "uid",
    "type",
    "contract_id",
    "visual_number",
    "issuer",
    "group_id",
    "valid",
    "whitelist",
    "language",
    "default_profile_type",
    "energy_contract",
    "source",
    "partner_id",
    "last_updated",
)
_KEY = ("country_code", "party_id", "uid", "type")
_UPSERT = (
    f"INSERT INTO view_tokens_v2 ({', '.join(COLUMNS)})"
    f" VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in _KEY)
)


class TokensV2:
    name = "tokens_v2"
    tables = ("view_tokens_v2",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_tokens_v2 (
        country_code text NOT NULL, party_id text NOT NULL, uid text NOT NULL,
        type text NOT NULL, contract_id text NOT NULL, visual_number text, issuer text NOT NULL,
        group_id text, valid boolean NOT NULL, whitelist text NOT NULL, language text,
        default_profile_type text, energy_contract jsonb, source text NOT NULL,
        partner_id text, last_updated timestamptz NOT NULL,
        PRIMARY KEY (country_code, party_id, uid, type));
    CREATE INDEX IF NOT EXISTS view_tokens_v2_uid ON view_tokens_v2 (uid);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "token.registered":
            return
        p = dict(event.payload)
        p["country_code"], p["party_id"] = p["country_code"].upper(), p["party_id"].upper()
        p.setdefault("source", "own")
        p.setdefault("valid", True)
        p.setdefault("whitelist", "ALLOWED")
        energy = p.get("energy_contract")
        p["energy_contract"] = None if energy is None else Jsonb(energy)
        await conn.execute(_UPSERT, [p.get(c) for c in COLUMNS])
