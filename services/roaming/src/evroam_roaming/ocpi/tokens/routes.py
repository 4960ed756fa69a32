"""Tokens module, Receiver interface (we are the CPO; OCPI 2.2.1 section 3.5):
`GET|PUT|PATCH {tokens}/{country_code}/{party_id}/{token_uid}[?type=RFID]`.

A partner reads and writes the tokens of its own party only (the party it was registered
as); any other owner in the URL gets the same 404 whether such a token exists or not.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from evroam_contracts.ocpi_json import render_json
from evroam_contracts.shared import TokenType
from evroam_roaming.domain.errors import TokenNotFoundError
from evroam_roaming.domain.partners import EMSP_SIDE, Party
from evroam_roaming.domain.tokens import Receipt, TokenKey
from evroam_roaming.ocpi.auth import Caller, authenticate
from evroam_roaming.ocpi.context import VERSION, OcpiContext
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, json_body, ocpi_response
from evroam_roaming.ocpi.headers import routing_headers
from evroam_roaming.ocpi.roles import caller_in_role
from evroam_roaming.ocpi.tokens.models import (
    KEY_FIELDS,
    TOKEN_TYPES,
    InvalidTokenError,
    check_patch,
    parse_token,
    token_json,
)

OK, CREATED, NOT_FOUND = 200, 201, 404
MAX_UID_LENGTH = 36
_MESSAGES = {
    Receipt.CREATED: "Token created",
    Receipt.UPDATED: "Token updated",
    Receipt.UNCHANGED: "Token unchanged",
    Receipt.STALE: "Ignored: the token we hold has a newer last_updated",
}


def _target(
    us: Party, caller: Caller, country_code: str, party_id: str, uid: str, request: Request
) -> tuple[TokenKey, dict[str, str]]:
    """The token the URL names, and the routing headers of our answer (section 1.5)."""
    routing = routing_headers(us, caller.party)
    type_ = request.query_params.get("type") or "RFID"
    if type_ not in TOKEN_TYPES:
        raise _invalid(f"type must be one of {', '.join(TOKEN_TYPES)}", routing)
    if Party.of(country_code, party_id) != caller.party:
        # Section 1.3: owner segments not among the caller's roles may be answered with 404;
        # the same answer for every token of that owner reveals nothing about them.
        raise OcpiError(
            NOT_FOUND,
            StatusCode.INVALID_OR_MISSING_PARAMETERS,
            f"{country_code}*{party_id} is not a party of your platform",
            routing,
        )
    if len(uid) > MAX_UID_LENGTH:
        raise _invalid(f"token_uid is longer than {MAX_UID_LENGTH} characters", routing)
    return TokenKey.of(country_code, party_id, uid, cast(TokenType, type_)), routing


def _invalid(message: str, routing: dict[str, str]) -> OcpiError:
    return OcpiError(OK, StatusCode.INVALID_OR_MISSING_PARAMETERS, message, routing)


def _unknown(routing: dict[str, str]) -> OcpiError:
    return OcpiError(NOT_FOUND, StatusCode.UNKNOWN_TOKEN, "Unknown token", routing)


def _key_mismatch(key: TokenKey, fields: dict[str, Any]) -> list[str]:
    """The key fields of a body that differ from the URL (CiStrings compared upper case)."""
    url = {
        "country_code": key.owner.country_code,
        "party_id": key.owner.party_id,
        "uid": key.uid,
        "type": key.type,
    }
    return [
        name
        for name in KEY_FIELDS
        if name in fields and str(fields[name]).upper() != url[name].upper()
    ]


def router(ctx: OcpiContext) -> APIRouter:
    api = APIRouter()
    # Tokens are eMSP-owned (section 12): a platform admitted as CPO pushing them under its own
    # party would make itself an eMSP at our stations (ADR 0024).
    refusal = "only an eMSP (or a hub) sends us Tokens"
    caller_of = caller_in_role(ctx.us, authenticate(ctx.partners), EMSP_SIDE, refusal)
    path = f"/cpo/{VERSION}/tokens/{{country_code}}/{{party_id}}/{{token_uid}}"
    CallerDep = Annotated[Caller, Depends(caller_of)]

    def answer(receipt: Receipt, routing: dict[str, str]) -> Response:
        status = CREATED if receipt is Receipt.CREATED else OK
        message = _MESSAGES[receipt]
        return ocpi_response(
            None, ctx.clock(), status_message=message, http_status=status, headers=routing
        )

    @api.get(path)
    async def get_token(
        country_code: str, party_id: str, token_uid: str, request: Request, caller: CallerDep
    ) -> Response:
        key, routing = _target(ctx.us, caller, country_code, party_id, token_uid, request)
        token = await ctx.tokens.get(key)
        if token is None:
            raise _unknown(routing)
        return ocpi_response(render_json(token_json(token)), ctx.clock(), headers=routing)

    @api.put(path)
    async def put_token(
        country_code: str, party_id: str, token_uid: str, request: Request, caller: CallerDep
    ) -> Response:
        key, routing = _target(ctx.us, caller, country_code, party_id, token_uid, request)
        try:
            token = parse_token(json_body(await request.body(), routing))
        except InvalidTokenError as exc:
            raise _invalid(f"invalid Token: {exc}", routing) from exc
        if mismatch := _key_mismatch(key, token.model_dump()):
            raise _invalid(f"body differs from the URL in: {', '.join(mismatch)}", routing)
        return answer(await ctx.tokens.put(caller.partner.partner_id, token), routing)

    @api.patch(path)
    async def patch_token(
        country_code: str, party_id: str, token_uid: str, request: Request, caller: CallerDep
    ) -> Response:
        key, routing = _target(ctx.us, caller, country_code, party_id, token_uid, request)
        try:
            patch = check_patch(json_body(await request.body(), routing))
            if mismatch := _key_mismatch(key, patch):
                raise InvalidTokenError(f"body differs from the URL in: {', '.join(mismatch)}")
            receipt = await ctx.tokens.patch(caller.partner.partner_id, key, patch)
        except InvalidTokenError as exc:
            raise _invalid(f"invalid Token PATCH: {exc}", routing) from exc
        except TokenNotFoundError as exc:
            raise _unknown(routing) from exc
        return answer(receipt, routing)

    return api
