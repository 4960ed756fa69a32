"""Commands we send to CPOs (table `emsp_commands`, sql/0009). The only module that knows
this table's SQL; callers own the transaction (each change goes with its event)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row

from evroam_roaming.domain.emsp_commands import SentCommand

_COLUMNS = (
    "command_id, partner_id, command, request, sent_at, answered_at, http_status,"
    " ocpi_status, response, response_timeout, response_message, failure, result,"
    " result_message, result_at"
)


async def record_sent(
    conn: AsyncConnection,
    command_id: str,
    partner_id: str,
    command: str,
    request: Mapping[str, Any],
    at: datetime,
) -> SentCommand:
    async with conn.cursor(row_factory=class_row(SentCommand)) as cur:
        await cur.execute(
            "INSERT INTO emsp_commands (command_id, partner_id, command, request, sent_at)"
            f" VALUES (%s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
            (command_id, partner_id, command, json.dumps(dict(request)), at),
        )
        row = await cur.fetchone()
    assert row is not None  # an INSERT without ON CONFLICT returns its row or raises
    return row


async def record_answer(
    conn: AsyncConnection,
    command_id: str,
    *,
    response: Mapping[str, Any] | None,
    http_status: int | None,
    ocpi_status: int | None,
    failure: str | None,
    at: datetime,
) -> None:
    answer = response or {}
    await conn.execute(
        "UPDATE emsp_commands SET answered_at = %s, http_status = %s, ocpi_status = %s,"
        " response = %s, response_timeout = %s, response_message = %s, failure = %s"
        " WHERE command_id = %s",
        (
            at,
            http_status,
            ocpi_status,
            answer.get("result"),
            answer.get("timeout"),
            answer.get("message"),
            failure,
            command_id,
        ),
    )


async def record_result(
    conn: AsyncConnection, command_id: str, result: str, message: str | None, at: datetime
) -> None:
    """The latest CommandResult wins (a RESERVE_NOW may be CANCELED_RESERVATION later)."""
    await conn.execute(
        "UPDATE emsp_commands SET result = %s, result_message = %s, result_at = %s"
        " WHERE command_id = %s",
        (result, message, at, command_id),
    )


async def get(conn: AsyncConnection, command_id: str, *, lock: bool = False) -> SentCommand | None:
    """`lock`: hold the row until the transaction ends, so that results for one command
    are recorded one after the other."""
    async with conn.cursor(row_factory=class_row(SentCommand)) as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM emsp_commands WHERE command_id = %s"
            + (" FOR UPDATE" if lock else ""),
            (command_id,),
        )
        return await cur.fetchone()


async def listing(conn: AsyncConnection, partner_id: str | None, limit: int) -> list[SentCommand]:
    """The newest commands first, of one partner or of all."""
    async with conn.cursor(row_factory=class_row(SentCommand)) as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM emsp_commands"
            " WHERE (%(p)s::text IS NULL OR partner_id = %(p)s)"
            " ORDER BY sent_at DESC, command_id DESC LIMIT %(n)s",
            {"p": partner_id, "n": limit},
        )
        return await cur.fetchall()
