"""Commands module, Receiver interface (we are the CPO; OCPI 2.2.1 section 13.1):
`POST {commands}/{command}` with START_SESSION, STOP_SESSION, RESERVE_NOW,
CANCEL_RESERVATION or UNLOCK_CONNECTOR. The answer is a CommandResponse at once; the
CommandResult follows at the command's response_url when the station has answered.

Only an eMSP (or a hub, for its eMSP clients) may send commands, and only about its own
tokens and sessions.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_roaming.domain.commands import UnknownLocationError
from evroam_roaming.domain.partners import EMSP_SIDE, Party
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.commands.models import (
    COMMAND_TYPES,
    Command,
    CommandResponse,
    CommandType,
    InvalidCommandError,
    english,
    parse_command,
)
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, json_body, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.roles import caller_in_role

OK, NOT_FOUND = 200, 404


class CommandReceiverPort(Protocol):
    async def receive(
        self, partner_id: str, emsp: Party, command_type: CommandType, command: Command
    ) -> CommandResponse: ...


def router(ctx: OcpiContext, receiver: CommandReceiverPort) -> APIRouter:
    api = APIRouter(prefix=f"/cpo/{VERSION}/commands")
    refusal = "only an eMSP may send commands"
    emsp_only = caller_in_role(ctx.us, authenticate(ctx.partners), EMSP_SIDE, refusal)

    @api.post("/{command}")
    async def post_command(
        command: str, request: Request, caller: Annotated[Caller, Depends(emsp_only)]
    ) -> Response:
        routing = routing_headers(ctx.us, caller.party)
        if command not in COMMAND_TYPES:
            raise OcpiError(
                NOT_FOUND,
                StatusCode.CLIENT_ERROR,
                f"unknown command {command!r}: one of {', '.join(COMMAND_TYPES)}",
                routing,
            )
        try:
            parsed = parse_command(command, json_body(await request.body(), routing))
        except InvalidCommandError as exc:
            # Reached the OCPI layer (section 1.7): an envelope, no HTTP error; not JSON is 400.
            raise OcpiError(
                OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, str(exc), routing
            ) from exc
        try:
            answer = await receiver.receive(
                caller.partner.partner_id, caller.party, cast(CommandType, command), parsed
            )
        except UnknownLocationError:
            # Section 13.1.1 / 6.2: an unknown location is 2003, the command REJECTED.
            rejected = CommandResponse(
                result="REJECTED", timeout=0, message=english("unknown location")
            )
            return ocpi_response(
                rejected.model_dump_json(),
                ctx.clock(),
                status_code=StatusCode.UNKNOWN_LOCATION,
                status_message="Unknown location",
                headers=routing,
            )
        return ocpi_response(answer.model_dump_json(), ctx.clock(), headers=routing)

    return api
