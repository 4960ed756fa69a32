"""Sessions in the OCPI 2.2.1 session shape, for the query API. Pure: only event data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent

Payload = Mapping[str, Any]


class SessionsV1:
    name = "sessions_v1"
    tables = ("view_sessions_v1",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_sessions_v1 (
        session_id text PRIMARY KEY, status text NOT NULL, station_id text,
        country_code text, party_id text, location_id text, evse_uid text, connector_id text,
        start_date_time timestamptz, end_date_time timestamptz, kwh numeric NOT NULL DEFAULT 0,
        cdr_token jsonb, auth_method text, authorization_reference text, currency text,
        tariff_id text, tariff_version integer, charging_periods jsonb NOT NULL DEFAULT '[]',
        total_cost jsonb, invalid_reason text, correlation_id text,
        last_updated timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_sessions_v1_station ON view_sessions_v1 (station_id);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        handler = {
            "session.started": self._started,
            "session.updated": self._updated,
            "session.completed": self._completed,
            "session.invalidated": self._invalidated,
        }.get(event.type)
        if handler:
            await handler(conn, p, event)

    async def _started(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        loc, tariff = p["location"], p.get("tariff") or {}
        await conn.execute(
            "INSERT INTO view_sessions_v1 (session_id, status, station_id, country_code, party_id,"
            " location_id, evse_uid, connector_id, start_date_time, cdr_token, auth_method,"
            " authorization_reference, currency, tariff_id, tariff_version, correlation_id,"
            " last_updated) VALUES (%s,'ACTIVE',%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT DO NOTHING",
            (
                p["session_id"],
                p["station_id"],
                loc["country_code"],
                loc["party_id"],
                loc["id"],
                loc["evse_uid"],
                loc["connector_id"],
                p["started_at"],
                json.dumps(p["cdr_token"]),
                p["auth_method"],
                p.get("authorization_reference"),
                p["currency"],
                tariff.get("tariff_id"),
                tariff.get("version"),
                e.correlation_id,
                p["started_at"],
            ),
        )

    async def _updated(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        await conn.execute(
            "UPDATE view_sessions_v1 SET kwh = %s, charging_periods = %s, total_cost = %s,"
            " last_updated = %s WHERE session_id = %s",
            (
                p["kwh"],
                json.dumps(p["charging_periods"]),
                json.dumps((p.get("costs") or {}).get("total_cost")),
                p["updated_at"],
                p["session_id"],
            ),
        )

    async def _completed(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        await conn.execute(
            "UPDATE view_sessions_v1 SET status = 'COMPLETED', end_date_time = %s, kwh = %s,"
            " charging_periods = %s, total_cost = %s, last_updated = %s WHERE session_id = %s",
            (
                p["ended_at"],
                p["kwh"],
                json.dumps(p["charging_periods"]),
                json.dumps(p["costs"]["total_cost"]),
                p["ended_at"],
                p["session_id"],
            ),
        )

    async def _invalidated(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        await conn.execute(
            "INSERT INTO view_sessions_v1 (session_id, status, invalid_reason, correlation_id,"
            " last_updated) VALUES (%s, 'INVALID', %s, %s, %s) ON CONFLICT (session_id) DO UPDATE"
            " SET status = 'INVALID', invalid_reason = excluded.invalid_reason,"
            " last_updated = excluded.last_updated",
            (p["session_id"], p["reason"], e.correlation_id, p["invalidated_at"]),
        )
