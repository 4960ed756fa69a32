"""Read models of the tariff service."""

from __future__ import annotations

import json

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class TariffVersionsV1:
    name = "tariff_versions_v1"
    tables = ("view_tariff_versions_v1", "view_tariff_assignments_v1")
    ddl = """
    CREATE TABLE IF NOT EXISTS view_tariff_versions_v1 (
        tariff_id text NOT NULL, version integer NOT NULL, tariff jsonb NOT NULL,
        published_at timestamptz NOT NULL, PRIMARY KEY (tariff_id, version));
    CREATE TABLE IF NOT EXISTS view_tariff_assignments_v1 (
        location_id text NOT NULL, effective_from timestamptz NOT NULL, tariff_id text NOT NULL,
        version integer NOT NULL, PRIMARY KEY (location_id, effective_from));
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type == "tariff.published":
            await conn.execute(
                "INSERT INTO view_tariff_versions_v1 VALUES (%s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (p["tariff_id"], p["tariff_version"], json.dumps(p["tariff"]), p["published_at"]),
            )
        elif event.type == "tariff.assigned":
            await conn.execute(
                "INSERT INTO view_tariff_assignments_v1 VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (location_id, effective_from) DO UPDATE"
                " SET tariff_id = excluded.tariff_id, version = excluded.version",
                (p["location_id"], p["effective_from"], p["tariff_id"], p["tariff_version"]),
            )
