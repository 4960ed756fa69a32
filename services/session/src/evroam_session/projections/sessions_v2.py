"""Sessions in the OCPI 2.2.1 session shape, for the query API. Pure: only event data (the
event's payload and its recorded time), so a rebuild from the log gives the same rows.

V2 (the session-robustness issue): PENDING sessions, corrections (`revision`), warnings,
parking time, the transaction id and the token uid for queries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent

Payload = Mapping[str, Any]


class SessionsV2:
    name = "sessions_v2"
    tables = ("view_sessions_v2",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_sessions_v2 (
        session_id text PRIMARY KEY, status text NOT NULL, station_id text,
        transaction_id text, country_code text, party_id text, location_id text,
        evse_uid text, connector_id text, start_date_time timestamptz,
        end_date_time timestamptz, kwh numeric NOT NULL DEFAULT 0, cdr_token jsonb,
        token_uid text, auth_method text, authorization_reference text, currency text,
        tariff_id text, tariff_version integer, charging_periods jsonb NOT NULL DEFAULT '[]',
        total_cost jsonb, total_parking_time_h numeric, warnings jsonb NOT NULL DEFAULT '[]',
        invalid_reason text, revision integer NOT NULL DEFAULT 0, correlation_id text,
        last_updated timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_sessions_v2_station ON view_sessions_v2 (station_id);
    CREATE INDEX IF NOT EXISTS view_sessions_v2_token ON view_sessions_v2 (token_uid);
    CREATE INDEX IF NOT EXISTS view_sessions_v2_status ON view_sessions_v2 (status);
    CREATE INDEX IF NOT EXISTS view_sessions_v2_updated ON view_sessions_v2 (last_updated);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        handler = {
            "session.pending": self._opened,
            "session.started": self._opened,
            "session.updated": self._updated,
            "session.completed": self._completed,
            "session.corrected": self._completed,
            "session.invalidated": self._invalidated,
        }.get(event.type)
        if handler:
            await handler(conn, event.payload, event)

    async def _opened(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        """A pending or started session; a second start (the real one, late) replaces what
        the first said of where and when, and a session already ended keeps its status."""
        loc, tariff, token = p["location"], p.get("tariff") or {}, p.get("cdr_token")
        status = "PENDING" if e.type == "session.pending" else "ACTIVE"
        await conn.execute(
            "INSERT INTO view_sessions_v2 (session_id, status, station_id, transaction_id,"
            " country_code, party_id, location_id, evse_uid, connector_id, start_date_time,"
            " cdr_token, token_uid, auth_method, authorization_reference, currency, tariff_id,"
            " tariff_version, correlation_id, last_updated) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,"
            "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (session_id) DO UPDATE SET"
            " status = CASE WHEN view_sessions_v2.status IN ('PENDING', 'ACTIVE')"
            "  THEN excluded.status ELSE view_sessions_v2.status END,"
            " location_id = excluded.location_id, evse_uid = excluded.evse_uid,"
            " connector_id = excluded.connector_id, start_date_time = excluded.start_date_time,"
            " cdr_token = excluded.cdr_token, token_uid = excluded.token_uid,"
            " auth_method = excluded.auth_method, currency = excluded.currency,"
            " authorization_reference = excluded.authorization_reference,"
            " tariff_id = excluded.tariff_id, tariff_version = excluded.tariff_version,"
            " last_updated = excluded.last_updated",
            (
                p["session_id"],
                status,
                p["station_id"],
                p["transaction_id"],
                loc["country_code"],
                loc["party_id"],
                loc["id"],
                loc["evse_uid"],
                loc["connector_id"],
                p["started_at"],
                json.dumps(token) if token else None,
                token["uid"] if token else None,
                p.get("auth_method"),
                p.get("authorization_reference"),
                p.get("currency"),
                tariff.get("tariff_id"),
                tariff.get("version"),
                e.correlation_id,
                e.recorded_at,
            ),
        )

    async def _updated(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        if p.get("started_at") is None:
            return  # inputs only (a pending, invalid or ended session): nothing shown changes
        await conn.execute(
            "UPDATE view_sessions_v2 SET kwh = %s, charging_periods = %s, total_cost = %s,"
            " total_parking_time_h = %s, warnings = %s, start_date_time = %s, last_updated = %s"
            " WHERE session_id = %s",
            (
                p["kwh"],
                json.dumps(p["charging_periods"]),
                json.dumps((p.get("costs") or {}).get("total_cost")),
                p.get("total_parking_time_h"),
                json.dumps(p.get("warnings") or []),
                p["started_at"],
                e.recorded_at,
                p["session_id"],
            ),
        )

    async def _completed(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        await conn.execute(
            "UPDATE view_sessions_v2 SET status = 'COMPLETED', start_date_time = %s,"
            " end_date_time = %s, kwh = %s, charging_periods = %s, total_cost = %s,"
            " total_parking_time_h = %s, warnings = %s, revision = %s, invalid_reason = NULL,"
            " last_updated = %s WHERE session_id = %s",
            (
                p["started_at"],
                p["ended_at"],
                p["kwh"],
                json.dumps(p["charging_periods"]),
                json.dumps(p["costs"]["total_cost"]),
                p.get("total_parking_time_h"),
                json.dumps(p.get("warnings") or []),
                p.get("revision", 0),
                e.recorded_at,
                p["session_id"],
            ),
        )

    async def _invalidated(self, conn: AsyncConnection, p: Payload, e: RecordedEvent) -> None:
        await conn.execute(
            "INSERT INTO view_sessions_v2 (session_id, status, station_id, transaction_id,"
            " end_date_time, invalid_reason, correlation_id, last_updated)"
            " VALUES (%s, 'INVALID', %s, %s, %s, %s, %s, %s) ON CONFLICT (session_id) DO UPDATE"
            " SET status = 'INVALID', invalid_reason = excluded.invalid_reason,"
            " end_date_time = excluded.end_date_time, last_updated = excluded.last_updated",
            (
                p["session_id"],
                p.get("station_id"),
                p.get("transaction_id"),
                p.get("ended_at"),
                p["reason"],
                e.correlation_id,
                e.recorded_at,
            ),
        )
