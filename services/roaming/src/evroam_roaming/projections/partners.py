"""Partner platforms as the OCPI API and the admin API read them."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class PartnersV1:
    name = "partners_v1"
    tables: Sequence[str] = ("view_partners_v1",)
    # token_sha256 is indexed, not unique: a projection must accept whatever the log says.
    ddl = """
    CREATE TABLE IF NOT EXISTS view_partners_v1 (
        partner_id text PRIMARY KEY, name text NOT NULL, country_code text NOT NULL,
        party_id text NOT NULL, role text NOT NULL, token_sha256 text NOT NULL,
        registered_at timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_partners_v1_token ON view_partners_v1 (token_sha256);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "roaming.partner_registered":
            return
        p = event.payload
        await conn.execute(
            "INSERT INTO view_partners_v1 VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (partner_id) DO NOTHING",
            (
                p["partner_id"],
                p["name"],
                p["country_code"].upper(),
                p["party_id"].upper(),
                p["role"],
                p["token_sha256"],
                p["registered_at"],
            ),
        )
