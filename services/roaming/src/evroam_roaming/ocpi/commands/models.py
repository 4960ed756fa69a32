"""Commands module objects (OCPI 2.2.1 section 13): the requests an eMSP POSTs to a CPO's
Commands Receiver, the CPO's immediate CommandResponse and the CommandResult it POSTs later
to the request's `response_url`. Both of our roles use them: as CPO we receive commands (ocpi/
commands/routes.py), as eMSP we send them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from evroam_contracts.roaming import CommandResponseType, CommandResultType, RemoteCommandType
from evroam_contracts.shared import OcpiToken
from evroam_roaming.ocpi.tokens.models import InvalidTokenError, parse_token
from evroam_roaming.ocpi.types import CiString36, DateTime, reasons

# The vocabularies live with the events that carry them (evroam_contracts.roaming).
CommandType = RemoteCommandType
COMMAND_TYPES: tuple[str, ...] = get_args(CommandType)


class InvalidCommandError(ValueError):
    """A body that is no valid command of its type; the message says why (OCPI 2001)."""


def _token(value: object) -> OcpiToken:
    try:
        return parse_token(value)
    except InvalidTokenError as exc:
        raise ValueError(f"not a valid Token ({exc})") from exc


Url = Annotated[str, Field(min_length=8, max_length=255, pattern=r"^https?://")]
TokenIn = Annotated[OcpiToken, BeforeValidator(_token)]


class DisplayText(BaseModel):
    model_config = ConfigDict(frozen=True)
    language: str = Field(min_length=2, max_length=2)
    text: str = Field(max_length=512)


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    response_url: Url


class StartSession(_Command):
    token: TokenIn
    location_id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    authorization_reference: CiString36 | None = None

    @field_validator("connector_id")
    @classmethod
    def _needs_evse(cls, value: str | None, info: Any) -> str | None:
        if value is not None and info.data.get("evse_uid") is None:
            raise ValueError("connector_id needs evse_uid")
        return value


class StopSession(_Command):
    session_id: CiString36


class ReserveNow(_Command):
    token: TokenIn
    expiry_date: DateTime
    reservation_id: CiString36
    location_id: CiString36
    evse_uid: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class CancelReservation(_Command):
    reservation_id: CiString36


class UnlockConnector(_Command):
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36


Command = StartSession | StopSession | ReserveNow | CancelReservation | UnlockConnector
MODELS: dict[str, type[Command]] = {
    "START_SESSION": StartSession,
    "STOP_SESSION": StopSession,
    "RESERVE_NOW": ReserveNow,
    "CANCEL_RESERVATION": CancelReservation,
    "UNLOCK_CONNECTOR": UnlockConnector,
}


class CommandResponse(BaseModel):
    model_config = ConfigDict(frozen=True)
    result: CommandResponseType
    timeout: int = Field(ge=0)
    message: tuple[DisplayText, ...] = ()


class CommandResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    result: CommandResultType
    message: tuple[DisplayText, ...] = ()


def parse_command(command_type: str, body: object) -> Command:
    """The command of `command_type` in `body`, or InvalidCommandError with the reasons."""
    model = MODELS.get(command_type)
    if model is None:
        raise InvalidCommandError(f"unknown command {command_type!r}: one of {COMMAND_TYPES}")
    if not isinstance(body, Mapping):
        raise InvalidCommandError(f"a {command_type} body must be a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidCommandError(reasons(exc)) from exc


def english(text: str) -> tuple[DisplayText, ...]:
    return (DisplayText(language="en", text=text[:512]),)
