"""Tokens received from eMSP partners, as the Tokens Receiver's GET reads them."""

from __future__ import annotations

import json
from collections.abc import Sequence

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class OcpiTokensV1:
    name = "ocpi_tokens_v1"
    tables: Sequence[str] = ("view_ocpi_tokens_v1",)
    # Keys upper case (CiStrings); `token` is the contract's JSON of the whole token.
    ddl = """
    CREATE TABLE IF NOT EXISTS view_ocpi_tokens_v1 (
        country_code text NOT NULL, party_id text NOT NULL, uid text NOT NULL,
        type text NOT NULL, partner_id text NOT NULL, token jsonb NOT NULL,
        last_updated timestamptz NOT NULL,
        PRIMARY KEY (country_code, party_id, uid, type));
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "roaming.token_received":
            return
        p, t = event.payload, event.payload["token"]
        # The log is the truth: the command already refused stale updates, so the latest
        # event wins here, whatever its last_updated.
        await conn.execute(
            "INSERT INTO view_ocpi_tokens_v1 VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (country_code, party_id, uid, type) DO UPDATE SET"
            " partner_id = excluded.partner_id, token = excluded.token,"
            " last_updated = excluded.last_updated",
            (
                t["country_code"].upper(),
                t["party_id"].upper(),
                t["uid"].upper(),
                t["type"],
                p["partner_id"],
                json.dumps(t),
                t["last_updated"],
            ),
        )
