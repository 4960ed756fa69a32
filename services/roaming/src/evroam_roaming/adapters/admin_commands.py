"""Admin API of the commands we, the eMSP, send to CPOs (OCPI 2.2.1 section 6.2): an operator
sends one (`POST /admin/commands`) and follows it (`GET /admin/commands/{command_id}`): sent,
the CPO's CommandResponse, its CommandResult, or timed out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, ConfigDict, Field

from evroam_contracts.shared import TokenType
from evroam_roaming.adapters import emsp_commands
from evroam_roaming.domain.emsp_commands import (
    CommandOrder,
    NoCommandsReceiverError,
    NotOurTokenError,
    SentCommand,
    TokenChoice,
    result_due_by,
    state_of,
)
from evroam_roaming.domain.partners import Party
from evroam_roaming.handlers.emsp_commands import CommandSender
from evroam_roaming.ocpi.commands.models import MODELS, CommandType, InvalidCommandError
from evroam_runtime import require_admin

NOT_FOUND, UNPROCESSABLE = 404, 422
_TOKEN_FIELDS = {"token_uid", "token_type", "token_country_code", "token_party_id"}


class CommandRequest(BaseModel):
    """A command for a CPO: its fields as OCPI names them (section 3.6), our token by uid
    for START_SESSION and RESERVE_NOW (the whole token goes out), and no response_url (we
    make a unique one)."""

    model_config = ConfigDict(extra="forbid")
    partner_id: str = Field(min_length=1)
    command: CommandType
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    session_id: str | None = None
    reservation_id: str | None = None
    expiry_date: str | None = None
    authorization_reference: str | None = None
    token_uid: str | None = Field(default=None, min_length=1, max_length=36)
    token_type: TokenType = "RFID"
    token_country_code: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    token_party_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{3}$")


def order_of(body: CommandRequest) -> CommandOrder:
    """The order; a field the command does not have is refused rather than dropped."""
    given = body.model_dump(exclude_none=True, exclude={"partner_id", "command"})
    fields = {k: v for k, v in given.items() if k not in _TOKEN_FIELDS}
    unknown = sorted(set(fields) - set(MODELS[body.command].model_fields))
    if unknown:
        raise InvalidCommandError(f"{body.command} has no {', '.join(unknown)}")
    token = None
    if body.token_uid is not None:
        owner = None
        if body.token_country_code and body.token_party_id:
            owner = Party.of(body.token_country_code, body.token_party_id)
        token = TokenChoice(body.token_uid, body.token_type, owner)
    return CommandOrder(body.partner_id, body.command, fields, token)


def command_view(command: SentCommand, now: datetime) -> dict[str, Any]:
    response = None
    if command.response is not None:
        response = {
            "result": command.response,
            "timeout": command.response_timeout,
            "message": command.response_message,
        }
    result = None
    if command.result is not None:
        result = {"result": command.result, "message": command.result_message}
    return {
        "command_id": command.command_id,
        "partner_id": command.partner_id,
        "command": command.command,
        "state": state_of(command, now).value,
        "request": command.request,
        "sent_at": command.sent_at,
        "answered_at": command.answered_at,
        "http_status": command.http_status,
        "ocpi_status": command.ocpi_status,
        "response": response,
        "failure": command.failure,
        "result_due_by": result_due_by(command),
        "result": result,
        "result_at": command.result_at,
    }


def _now() -> datetime:
    return datetime.now(UTC)


def router(
    pool: AsyncConnectionPool,
    admin_token: str | None,
    sender: CommandSender,
    clock: Callable[[], datetime] = _now,
) -> APIRouter:
    api = APIRouter(prefix="/admin")
    admin = [Depends(require_admin(admin_token))]

    @api.post("/commands", status_code=201, dependencies=admin)
    async def send_command(body: CommandRequest) -> dict[str, Any]:
        """Send a command to a CPO's Commands Receiver and answer with what it responded.
        404: the partner offers no commands RECEIVER; 422: the command is incomplete, or
        its token is not one of our valid tokens."""
        try:
            command = await sender.send(order_of(body))
        except NoCommandsReceiverError as exc:
            raise HTTPException(NOT_FOUND, str(exc)) from exc
        except (NotOurTokenError, InvalidCommandError) as exc:
            raise HTTPException(UNPROCESSABLE, str(exc)) from exc
        return command_view(command, clock())

    @api.get("/commands/{command_id}", dependencies=admin)
    async def get_command(command_id: str) -> dict[str, Any]:
        """Where a command stands: SENT, FAILED (no CommandResponse), RESPONDED, RESULT, or
        TIMED_OUT (ACCEPTED, and no CommandResult within the CPO's `timeout`)."""
        command = await sender.get(command_id)
        if command is None:
            raise HTTPException(NOT_FOUND, f"no command {command_id}")
        return command_view(command, clock())

    @api.get("/commands", dependencies=admin)
    async def list_commands(
        partner_id: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[dict[str, Any]]:
        """The newest commands first."""
        async with pool.connection() as conn:
            found = await emsp_commands.listing(conn, partner_id, limit)
        now = clock()
        return [command_view(c, now) for c in found]

    return api
