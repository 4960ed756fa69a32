"""The review queue: every CDR held for review, with its reasons, and what became of it
(RELEASED, REJECTED, or SUPERSEDED by a later correction of its session)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class CdrReviewsV1:
    """Pure: every column comes from cdr.* payloads (no clock), so a rebuild is equal."""

    name = "cdr_reviews_v1"
    tables: Sequence[str] = ("view_cdr_reviews_v1",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_cdr_reviews_v1 (
        cdr_id text PRIMARY KEY, session_id text NOT NULL, status text NOT NULL,
        session_revision integer NOT NULL, reason_codes text[] NOT NULL, reasons jsonb NOT NULL,
        cdr jsonb NOT NULL, facts jsonb NOT NULL, time_zone text NOT NULL, replaces text,
        held_at timestamptz NOT NULL, decided_at timestamptz, reviewer text, note text,
        accepted jsonb, corrected jsonb);
    CREATE INDEX IF NOT EXISTS view_cdr_reviews_v1_status
        ON view_cdr_reviews_v1 (status, held_at, cdr_id);
    CREATE INDEX IF NOT EXISTS view_cdr_reviews_v1_session ON view_cdr_reviews_v1 (session_id);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        p = event.payload
        if event.type == "cdr.held":
            await self._supersede(conn, p["cdr"]["session_id"], p["cdr"]["id"], p["held_at"])
            await conn.execute(
                "INSERT INTO view_cdr_reviews_v1 (cdr_id, session_id, status, session_revision,"
                " reason_codes, reasons, cdr, facts, time_zone, replaces, held_at)"
                " VALUES (%s,%s,'HELD',%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (cdr_id) DO NOTHING",
                (
                    p["cdr"]["id"],
                    p["cdr"]["session_id"],
                    p.get("session_revision", 0),
                    [r["code"] for r in p["reasons"]],
                    json.dumps(p["reasons"]),
                    json.dumps(p["cdr"]),
                    json.dumps(p["facts"]),
                    p["time_zone"],
                    p.get("replaces"),
                    p["held_at"],
                ),
            )
        elif event.type == "cdr.released":
            await conn.execute(
                "UPDATE view_cdr_reviews_v1 SET status = 'RELEASED', decided_at = %s,"
                " reviewer = %s, note = %s, accepted = %s, corrected = %s WHERE cdr_id = %s",
                (
                    p["released_at"],
                    p["reviewer"],
                    p.get("note"),
                    json.dumps(p.get("accepted", [])),
                    json.dumps(p.get("corrected", [])),
                    p["cdr_id"],
                ),
            )
        elif event.type == "cdr.rejected":
            await conn.execute(
                "UPDATE view_cdr_reviews_v1 SET status = 'REJECTED', decided_at = %s,"
                " reviewer = %s, note = %s WHERE cdr_id = %s",
                (p["rejected_at"], p["reviewer"], p["reason"], p["cdr_id"]),
            )
        elif event.type == "cdr.issued" and not p["cdr"].get("credit"):
            cdr = p["cdr"]
            await self._supersede(conn, cdr.get("session_id"), cdr["id"], cdr["last_updated"])

    @staticmethod
    async def _supersede(conn: AsyncConnection, session_id: str | None, by: str, at: str) -> None:
        """A newer CDR of the session (held or issued) replaces a review still open."""
        await conn.execute(
            "UPDATE view_cdr_reviews_v1 SET status = 'SUPERSEDED', decided_at = %s"
            " WHERE session_id = %s AND status = 'HELD' AND cdr_id <> %s",
            (at, session_id, by),
        )
