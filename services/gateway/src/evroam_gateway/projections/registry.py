"""The registry as the gateway serves it: locations and stations."""

from __future__ import annotations

import json

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class RegistryV1:
    name = "registry_v1"
    tables = ("view_locations_v1", "view_stations_v1")
    ddl = """
    CREATE TABLE IF NOT EXISTS view_locations_v1 (
        location_id text PRIMARY KEY, location jsonb NOT NULL);
    CREATE TABLE IF NOT EXISTS view_stations_v1 (
        station_id text PRIMARY KEY, location_id text NOT NULL, evses jsonb NOT NULL);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type == "station.location_registered":
            await conn.execute(
                "INSERT INTO view_locations_v1 VALUES (%s, %s) ON CONFLICT (location_id)"
                " DO UPDATE SET location = excluded.location",
                (p["location_id"], json.dumps(p)),
            )
        elif event.type == "station.registered":
            await conn.execute(
                "INSERT INTO view_stations_v1 VALUES (%s, %s, %s) ON CONFLICT (station_id)"
                " DO UPDATE SET location_id = excluded.location_id, evses = excluded.evses",
                (p["station_id"], p["location_id"], json.dumps(p["evses"])),
            )
