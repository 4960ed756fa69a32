"""Partner platforms as the OCPI API and the admin API read them, and the OCPI connection
each one completed (the registration handshake, OCPI 2.2.1 section 2.3)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent

REGISTERED = "roaming.partner_registered"
# An update (PUT) carries the same as the handshake: the token hash and the endpoints now.
EXCHANGED = ("roaming.partner_credentials_exchanged", "roaming.partner_credentials_updated")
UNREGISTERED = "roaming.partner_unregistered"
# An operator issued a new token A before the handshake: it replaces the one before.
TOKEN_REISSUED = "roaming.partner_token_reissued"


class PartnersV1:
    name = "partners_v1"
    tables: Sequence[str] = ("view_partners_v1",)
    # token_sha256 is indexed, not unique: a projection must accept whatever the log says.
    # It is the hash of the token the partner presents now: the one issued at registration
    # (token A, or the one reissued) until the handshake replaces it with token C.
    ddl = """
    CREATE TABLE IF NOT EXISTS view_partners_v1 (
        partner_id text PRIMARY KEY, name text NOT NULL, country_code text NOT NULL,
        party_id text NOT NULL, role text NOT NULL, token_sha256 text NOT NULL,
        registered_at timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_partners_v1_token ON view_partners_v1 (token_sha256);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type in EXCHANGED or event.type == TOKEN_REISSUED:
            await conn.execute(
                "UPDATE view_partners_v1 SET token_sha256 = %s WHERE partner_id = %s",
                (p["token_sha256"], p["partner_id"]),
            )
            return
        if event.type == UNREGISTERED:  # its token no longer lets it in
            await conn.execute(
                "DELETE FROM view_partners_v1 WHERE partner_id = %s", (p["partner_id"],)
            )
            return
        if event.type != REGISTERED:
            return
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


class PartnerConnectionsV1:
    """Where we call each partner: its versions URL, the version chosen and its endpoints."""

    name = "partner_connections_v1"
    tables: Sequence[str] = ("view_partner_connections_v1",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_partner_connections_v1 (
        partner_id text PRIMARY KEY, country_code text NOT NULL, party_id text NOT NULL,
        versions_url text NOT NULL, ocpi_version text NOT NULL, endpoints jsonb NOT NULL,
        exchanged_at timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_partner_connections_v1_party
        ON view_partner_connections_v1 (country_code, party_id);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type == UNREGISTERED:  # we no longer call it
            await conn.execute(
                "DELETE FROM view_partner_connections_v1 WHERE partner_id = %s",
                (p["partner_id"],),
            )
            return
        if event.type not in EXCHANGED:
            return
        await conn.execute(
            "INSERT INTO view_partner_connections_v1 VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (partner_id) DO UPDATE SET country_code = excluded.country_code,"
            " party_id = excluded.party_id, versions_url = excluded.versions_url,"
            " ocpi_version = excluded.ocpi_version, endpoints = excluded.endpoints,"
            " exchanged_at = excluded.exchanged_at",
            (
                p["partner_id"],
                p["country_code"].upper(),
                p["party_id"].upper(),
                p["versions_url"],
                p["ocpi_version"],
                json.dumps(p["endpoints"]),
                p["exchanged_at"],
            ),
        )
