"""The registry as the gateway serves it: locations and stations, each in its latest state.

Registry events carry the whole new state, so applying one is an upsert. The station traffic
code joins these tables (`SELECT s.evses, l.location FROM view_stations_v1 s JOIN
view_locations_v1 l USING (location_id)`): their names and first columns stay.
"""

from __future__ import annotations

import json

from psycopg import AsyncConnection

from evroam_contracts.gateway import (
    LocationRegistered,
    LocationUpdated,
    StationCredentialsSet,
    StationRegistered,
    StationUpdated,
)
from evroam_eventstore import RecordedEvent

LOCATION_TYPES = (LocationRegistered.type_name, LocationUpdated.type_name)
STATION_TYPES = (StationRegistered.type_name, StationUpdated.type_name)


class RegistryV1:
    name = "registry_v1"
    tables = ("view_locations_v1", "view_stations_v1")
    # security_profile came later: ADD COLUMN brings tables made before it to the same shape
    # (and column order) as new ones, so a rebuild's checksum still compares like with like.
    # 0 is right for rows folded before it: no station had credentials then.
    ddl = """
    CREATE TABLE IF NOT EXISTS view_locations_v1 (
        location_id text PRIMARY KEY, location jsonb NOT NULL);
    CREATE TABLE IF NOT EXISTS view_stations_v1 (
        station_id text PRIMARY KEY, location_id text NOT NULL, evses jsonb NOT NULL,
        security_profile smallint NOT NULL DEFAULT 0);
    ALTER TABLE view_stations_v1
        ADD COLUMN IF NOT EXISTS security_profile smallint NOT NULL DEFAULT 0;
    CREATE INDEX IF NOT EXISTS view_stations_v1_location ON view_stations_v1 (location_id);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type in LOCATION_TYPES:
            await conn.execute(
                "INSERT INTO view_locations_v1 (location_id, location) VALUES (%s, %s)"
                " ON CONFLICT (location_id) DO UPDATE SET location = excluded.location",
                (p["location_id"], json.dumps(p)),
            )
        elif event.type in STATION_TYPES:
            await conn.execute(
                "INSERT INTO view_stations_v1 (station_id, location_id, evses)"
                " VALUES (%s, %s, %s) ON CONFLICT (station_id)"
                " DO UPDATE SET location_id = excluded.location_id, evses = excluded.evses",
                (p["station_id"], p["location_id"], json.dumps(p["evses"])),
            )
        elif event.type == StationCredentialsSet.type_name:
            await conn.execute(
                "UPDATE view_stations_v1 SET security_profile = %s WHERE station_id = %s",
                (p["security_profile"], p["station_id"]),
            )
