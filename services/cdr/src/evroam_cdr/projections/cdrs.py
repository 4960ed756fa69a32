"""Issued CDRs, queryable by id, session and contract."""

from __future__ import annotations

import json
from collections.abc import Sequence

from psycopg import AsyncConnection

from evroam_eventstore import RecordedEvent


class CdrsV1:
    """Pure: every column comes from the cdr.issued payload, so a rebuild is equal."""

    name = "cdrs_v1"
    tables: Sequence[str] = ("view_cdrs_v1",)
    ddl = """
    CREATE TABLE IF NOT EXISTS view_cdrs_v1 (
        cdr_id text PRIMARY KEY, session_id text,
        country_code text NOT NULL, party_id text NOT NULL,
        token_country_code text NOT NULL, token_party_id text NOT NULL, token_uid text NOT NULL,
        contract_id text NOT NULL, currency text NOT NULL,
        total_cost_excl_vat numeric NOT NULL, total_cost_incl_vat numeric,
        total_energy numeric NOT NULL, cdr jsonb NOT NULL, last_updated timestamptz NOT NULL);
    CREATE INDEX IF NOT EXISTS view_cdrs_v1_session ON view_cdrs_v1 (session_id);
    CREATE INDEX IF NOT EXISTS view_cdrs_v1_contract ON view_cdrs_v1 (contract_id);
    """

    async def apply(self, conn: AsyncConnection, event: RecordedEvent) -> None:
        if event.type != "cdr.issued":
            return
        cdr = event.payload["cdr"]
        token, total = cdr["cdr_token"], cdr["total_cost"]
        # CDRs are immutable (OCPI 2.2.1 CDR rules): a second issue of an id changes nothing.
        await conn.execute(
            "INSERT INTO view_cdrs_v1 VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
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
                json.dumps(cdr),
                cdr["last_updated"],
            ),
        )
