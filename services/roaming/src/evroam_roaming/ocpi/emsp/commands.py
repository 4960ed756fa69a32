"""Commands module, Sender interface (we are the eMSP; OCPI 2.2.1 sections 3.6 and 6.2): the
`response_url` of each command we send, `POST /ocpi/emsp/2.2.1/commands/{command}/{uid}`,
where the CPO posts the CommandResult.

Only the platform the command went to may post there. An unknown uid, another command type
in the URL, or another platform posting all get the same HTTP 404 (OCPI 2000, "unknown
command"), so that nobody learns of others' commands. The spec has no status code for an
unknown command: 2004 means an unknown Token, and would mislead.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
import logging
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.commands.models import CommandResult
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, json_body, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.types import reasons

log = logging.getLogger(__name__)
OK, NOT_FOUND = 200, 404


class ResultReceiver(Protocol):
    async def receive(
        self, *, partner_id: str, command_type: str, command_id: str, result: CommandResult
    ) -> bool: ...


def parse_result(data: object, routing: dict[str, str]) -> CommandResult:
    """A CommandResult (section 3.6), or OCPI 2001 saying what is wrong with it."""
    try:
        return CommandResult.model_validate(data)
    except ValidationError as exc:
        message = f"invalid CommandResult: {reasons(exc)}"
        raise OcpiError(OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, message, routing) from exc


def router(ctx: OcpiContext, results: ResultReceiver) -> APIRouter:
    api = APIRouter()
    caller_of = authenticate(ctx.partners)

    @api.post(f"/emsp/{VERSION}/commands/{{command}}/{{uid}}")
    async def post_result(
        command: str, uid: str, request: Request, caller: Annotated[Caller, Depends(caller_of)]
    ) -> Response:
        """The CommandResult of one of our commands (section 6.2 step 3)."""
        routing = routing_headers(ctx.us, caller.party)
        result = parse_result(json_body(await request.body(), routing), routing)
        known = await results.receive(
            partner_id=caller.partner.partner_id,
            command_type=command,
            command_id=uid,
            result=result,
        )
        if not known:
            log.warning("CommandResult for an unknown command refused")
            raise OcpiError(NOT_FOUND, StatusCode.CLIENT_ERROR, "unknown command", routing)
        message = "CommandResult received"
        return ocpi_response(None, ctx.clock(), status_message=message, headers=routing)

    return api
