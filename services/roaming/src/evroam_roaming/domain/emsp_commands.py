"""Commands we, the eMSP, send to CPOs (OCPI 2.2.1 section 6.2): what an operator orders,
what became of a command, and the events that say so. Pure: rows, ids and time come in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from evroam_contracts.roaming import CommandResultReceived, CommandSent
from evroam_contracts.shared import TokenType
from evroam_roaming.domain.partners import Party


class NoCommandsReceiverError(LookupError):
    """The partner is not connected, or offers no Commands Receiver (section 3.6)."""


class NotOurTokenError(LookupError):
    """START_SESSION and RESERVE_NOW carry one of our own drivers' tokens (section 6.2: "an
    eMSP may only use its own tokens"), and a valid one: the eMSP has authorised it."""


class CommandState(StrEnum):
    SENT = "SENT"  # posted; no answer recorded (yet)
    FAILED = "FAILED"  # the CPO gave no CommandResponse: unreachable, an error, garbage
    RESPONDED = "RESPONDED"  # its CommandResponse; a CommandResult follows an ACCEPTED one
    RESULT = "RESULT"  # the CommandResult arrived
    TIMED_OUT = "TIMED_OUT"  # ACCEPTED, but no CommandResult within its `timeout`


@dataclass(frozen=True)
class TokenChoice:
    """Which of our tokens a command carries; the owner may be left out (one party)."""

    uid: str
    type: TokenType = "RFID"
    owner: Party | None = None


@dataclass(frozen=True)
class CommandOrder:
    """An operator's command for a CPO: the command's own fields (response_url and token
    aside: we set them) and, for START_SESSION and RESERVE_NOW, the token."""

    partner_id: str
    command: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    token: TokenChoice | None = None


@dataclass(frozen=True)
class SentCommand:
    """A command as recorded (table `emsp_commands`)."""

    command_id: str
    partner_id: str
    command: str
    request: Mapping[str, Any]
    sent_at: datetime
    answered_at: datetime | None = None
    http_status: int | None = None
    ocpi_status: int | None = None
    response: str | None = None
    response_timeout: int | None = None
    response_message: str | None = None
    failure: str | None = None
    result: str | None = None
    result_message: str | None = None
    result_at: datetime | None = None


def result_due_by(command: SentCommand) -> datetime | None:
    """When an ACCEPTED command's CommandResult is due: `timeout` seconds after the
    CommandResponse (section 3.6); afterwards we may assume it never comes."""
    if command.response != "ACCEPTED" or command.answered_at is None:
        return None
    return command.answered_at + timedelta(seconds=command.response_timeout or 0)


def state_of(command: SentCommand, now: datetime) -> CommandState:
    """A result counts whenever it comes, even after the timeout or before the response
    was recorded (the CPO may be quicker than our bookkeeping)."""
    if command.result is not None:
        return CommandState.RESULT
    if command.response is not None:
        due = result_due_by(command)
        return CommandState.TIMED_OUT if due is not None and now >= due else CommandState.RESPONDED
    if command.failure is not None:
        return CommandState.FAILED
    return CommandState.SENT


def accepts_result(command: SentCommand | None, partner_id: str, command_type: str) -> bool:
    """Only the platform the command went to posts its result, at the URL we gave it."""
    return command is not None and (command.partner_id, command.command) == (
        partner_id,
        command_type,
    )


def sent(
    command: SentCommand,
    cpo: Party,
    response_url: str,
    *,
    response: Mapping[str, Any] | None,
    http_status: int | None,
    ocpi_status: int | None,
    detail: str | None,
    now: datetime,
) -> CommandSent:
    """`response`: the CommandResponse as {result, timeout, message}, None when none came.
    Validated as the contract says (the command type was checked when it was built)."""
    answer = response or {}
    return CommandSent.model_validate(
        {
            "command_id": command.command_id,
            "partner_id": command.partner_id,
            "country_code": cpo.country_code,
            "party_id": cpo.party_id,
            "command": command.command,
            "response_url": response_url,
            "request": dict(command.request),
            "response": answer.get("result"),
            "timeout": answer.get("timeout"),
            "message": answer.get("message"),
            "http_status": http_status,
            "ocpi_status": ocpi_status,
            "detail": detail,
            "sent_at": command.sent_at,
            "answered_at": now,
        }
    )


def result_received(
    command: SentCommand, result: str, message: str | None, now: datetime
) -> CommandResultReceived:
    return CommandResultReceived.model_validate(
        {
            "command_id": command.command_id,
            "partner_id": command.partner_id,
            "command": command.command,
            "result": result,
            "message": message,
            "received_at": now,
        }
    )
