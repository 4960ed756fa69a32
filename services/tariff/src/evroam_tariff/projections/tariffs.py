"""Read models of the tariff service: versions, assignments and retirements. Pure: every
column comes from the events (an assignment's `sequence` is its position in the log)."""

from __future__ import annotations

import json

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent
from evroam_pricing.assignment import assignment_sequence


class TariffsV2:
    name = "tariffs_v2"
    tables = ("view_tariff_versions_v2", "view_tariff_assignments_v2", "view_tariff_retirements_v2")
    ddl = """
    CREATE TABLE IF NOT EXISTS view_tariff_versions_v2 (
        tariff_id text NOT NULL, version integer NOT NULL, tariff jsonb NOT NULL,
        tariff_type text, published_at timestamptz NOT NULL, PRIMARY KEY (tariff_id, version));
    CREATE TABLE IF NOT EXISTS view_tariff_assignments_v2 (
        event_position bigint PRIMARY KEY, sequence bigint NOT NULL,
        location_id text NOT NULL, evse_uid text,
        connector_id text, tariff_type text, emsp_country_code text, emsp_party_id text,
        tariff_id text NOT NULL, version integer NOT NULL, effective_from timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_tariff_assignments_v2_location
        ON view_tariff_assignments_v2 (location_id);
    CREATE TABLE IF NOT EXISTS view_tariff_retirements_v2 (
        tariff_id text PRIMARY KEY, retired_from timestamptz NOT NULL);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type == "tariff.published":
            await conn.execute(
                "INSERT INTO view_tariff_versions_v2 VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (
                    p["tariff_id"],
                    p["tariff_version"],
                    json.dumps(p["tariff"]),
                    p["tariff"].get("type"),
                    p["published_at"],
                ),
            )
        elif event.type == "tariff.assigned":
            await conn.execute(
                "INSERT INTO view_tariff_assignments_v2 VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT DO NOTHING",
                (
                    event.position,
                    assignment_sequence(event.recorded_at),
                    p["location_id"],
                    p.get("evse_uid"),
                    p.get("connector_id"),
                    p.get("tariff_type"),
                    p.get("emsp_country_code"),
                    p.get("emsp_party_id"),
                    p["tariff_id"],
                    p["tariff_version"],
                    p["effective_from"],
                ),
            )
        elif event.type == "tariff.retired":
            await conn.execute(
                "INSERT INTO view_tariff_retirements_v2 VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (p["tariff_id"], p["retired_from"]),
            )
