"""Tokens as the authorization service knows them now."""

from __future__ import annotations

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class TokensV1:
    name = "tokens_v1"
    tables = ("view_tokens_v1",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_tokens_v1 (
        country_code text NOT NULL, party_id text NOT NULL, uid text NOT NULL,
        type text NOT NULL, contract_id text NOT NULL, visual_number text, issuer text NOT NULL,
        group_id text, valid boolean NOT NULL, whitelist text NOT NULL, language text,
        last_updated timestamptz NOT NULL, PRIMARY KEY (country_code, party_id, uid));
    CREATE INDEX IF NOT EXISTS view_tokens_v1_uid ON view_tokens_v1 (uid);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "token.registered":
            return
        p = event.payload
        await conn.execute(
            "INSERT INTO view_tokens_v1 VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (country_code, party_id, uid) DO UPDATE SET type = excluded.type,"
            " contract_id = excluded.contract_id, visual_number = excluded.visual_number,"
            " issuer = excluded.issuer, group_id = excluded.group_id, valid = excluded.valid,"
            " whitelist = excluded.whitelist, language = excluded.language,"
            " last_updated = excluded.last_updated",
            (
                p["country_code"].upper(),
                p["party_id"].upper(),
                p["uid"],
                p["type"],
                p["contract_id"],
                p.get("visual_number"),
                p["issuer"],
                p.get("group_id"),
                p.get("valid", True),
                p.get("whitelist", "ALLOWED"),
                p.get("language"),
                p["last_updated"],
            ),
        )
