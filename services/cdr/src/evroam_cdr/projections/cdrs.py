"""Issued CDRs (normal and credit), queryable by id, session, contract and last_updated."""

from __future__ import annotations

import json
from collections.abc import Sequence

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class CdrsV2:
    """Pure: every column comes from cdr.issued payloads, so a rebuild is equal. V2 adds the
    credit columns (`credit`, `credit_reference_id`, `credited_by`) and the session revision."""

    name = "cdrs_v2"
    tables: Sequence[str] = ("view_cdrs_v2",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_cdrs_v2 (
        cdr_id text PRIMARY KEY, session_id text,
        country_code text NOT NULL, party_id text NOT NULL,
        token_country_code text NOT NULL, token_party_id text NOT NULL, token_uid text NOT NULL,
        contract_id text NOT NULL, currency text NOT NULL,
        total_cost_excl_vat numeric NOT NULL, total_cost_incl_vat numeric,
        total_energy numeric NOT NULL,
        credit boolean NOT NULL, credit_reference_id text, credited_by text,
        session_revision integer NOT NULL,
        cdr jsonb NOT NULL, last_updated timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_cdrs_v2_session ON view_cdrs_v2 (session_id);
    CREATE INDEX IF NOT EXISTS view_cdrs_v2_contract ON view_cdrs_v2 (contract_id);
    CREATE INDEX IF NOT EXISTS view_cdrs_v2_updated ON view_cdrs_v2 (last_updated, cdr_id);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "cdr.issued":
            return
        cdr = event.payload["cdr"]
        token, total = cdr["cdr_token"], cdr["total_cost"]
        # CDRs are immutable (OCPI 2.2.1 CDR rules): a second issue of an id changes nothing.
        await conn.execute(
            "INSERT INTO view_cdrs_v2 VALUES"
            " (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,NULL,%s,%s,%s)"
            " ON CONFLICT (cdr_id) DO NOTHING",
            (
                cdr["id"],
                cdr.get("session_id"),
                cdr["country_code"].upper(),
                cdr["party_id"].upper(),
                token["country_code"].upper(),
                token["party_id"].upper(),
                token["uid"],
                token["contract_id"],
                cdr["currency"],
                total["excl_vat"],
                total.get("incl_vat"),
                cdr["total_energy"],
                bool(cdr.get("credit")),
                cdr.get("credit_reference_id"),
                event.payload.get("session_revision", 0),
                json.dumps(cdr),
                cdr["last_updated"],
            ),
        )
        if cdr.get("credit"):
            await conn.execute(
                "UPDATE view_cdrs_v2 SET credited_by = %s WHERE cdr_id = %s",
                (cdr["id"], cdr["credit_reference_id"]),
            )
