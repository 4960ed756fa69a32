"""Commands as we, the eMSP, send them (OCPI 2.2.1 sections 3.6 and 6.2): the command with
its unique `response_url`, the request to the CPO's Commands Receiver, and what the CPO's
answer means. Pure: no I/O here."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from evroam_contracts.ocpi_json import render_json
from evroam_contracts.shared import OcpiToken
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.commands.models import (
    Command,
    CommandResponse,
    DisplayText,
    parse_command,
)
from evroam_roaming.ocpi.tokens.models import token_json

SERVER_ERRORS = 500
# The commands whose object carries the driver's Token (section 3.6).
WITH_TOKEN = frozenset({"START_SESSION", "RESERVE_NOW"})


def response_url(commands_url: str, command_type: str, command_id: str) -> str:
    """Unique per command (section 6.2 step 1): the CPO posts the CommandResult there, and
    the id in it is how we find the command again."""
    return f"{commands_url}/{command_type}/{command_id}"


def build_command(
    command_type: str,
    fields: Mapping[str, Any],
    response_url: str,
    token: OcpiToken | None = None,
) -> Command:
    """The command object, validated as a CPO would (InvalidCommandError says why)."""
    body = {**fields, "response_url": response_url}
    if token is not None:
        body["token"] = token_json(token)
    return parse_command(command_type, body)


def command_json(command: Command) -> dict[str, Any]:
    """The command as OCPI JSON (DateTimes in the `Z` form), absent optional fields left out."""
    loaded: dict[str, Any] = json.loads(render_json(command.model_dump(exclude_none=True)))
    return loaded


@dataclass(frozen=True)
class CommandCall:
    url: str
    headers: dict[str, str] = field(repr=False)  # carries our credentials token
    body: bytes


def command_call(
    *,
    commands_url: str,
    credentials_token: str,
    us: Party,
    cpo: Party,
    command_type: str,
    body: Mapping[str, Any],
    request_id: str,
    correlation_id: str,
) -> CommandCall:
    """`POST {commands}/{command}` with the token the CPO gave us (section 1.2, Base64), new
    message ids (section 1.4) and the routing headers from us to the CPO (section 1.5)."""
    encoded = base64.b64encode(credentials_token.encode()).decode()
    headers = {
        "Authorization": f"Token {encoded}",
        "Content-Type": "application/json",
        "X-Request-ID": request_id,
        "X-Correlation-ID": correlation_id,
        "OCPI-from-country-code": us.country_code,
        "OCPI-from-party-id": us.party_id,
        "OCPI-to-country-code": cpo.country_code,
        "OCPI-to-party-id": cpo.party_id,
    }
    url = f"{commands_url.rstrip('/')}/{command_type}"
    return CommandCall(url, headers, render_json(dict(body)).encode())


@dataclass(frozen=True)
class CommandAnswer:
    """What the CPO answered: its CommandResponse, or None and why there is none."""

    response: CommandResponse | None
    http_status: int | None = None
    ocpi_status: int | None = None
    detail: str | None = None


def no_answer(detail: str, http_status: int | None = None) -> CommandAnswer:
    return CommandAnswer(None, http_status, None, detail[:500])


def interpret(http_status: int, body: bytes) -> CommandAnswer:
    """A CommandResponse in the envelope is the CPO's answer whatever the status code beside
    it: section 6.2 answers an unknown location with OCPI 2003 *and* result REJECTED. No
    envelope, a server error or no CommandResponse in it: no answer, `detail` says why."""
    if http_status >= SERVER_ERRORS:
        return no_answer(f"HTTP {http_status} from the CPO", http_status)
    try:
        reply = json.loads(body)
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or not isinstance(reply.get("status_code"), int):
        return no_answer(f"HTTP {http_status} without an OCPI envelope", http_status)
    status: int = reply["status_code"]
    message = str(reply.get("status_message") or "")[:200]
    said = f"HTTP {http_status}, OCPI {status}: {message}"
    try:
        response = CommandResponse.model_validate(reply.get("data"))
    except ValidationError as exc:
        reason = "no CommandResponse" if reply.get("data") is None else f"{exc}"[:300]
        return CommandAnswer(None, http_status, status, f"{said} ({reason})")
    return CommandAnswer(response, http_status, status, None if status == 1000 else said)


def first_text(messages: Sequence[DisplayText]) -> str | None:
    """One text of a DisplayText list for operators: the English one if there is one."""
    english = [m.text for m in messages if m.language.lower() == "en"]
    texts = english or [m.text for m in messages]
    return texts[0] if texts else None
