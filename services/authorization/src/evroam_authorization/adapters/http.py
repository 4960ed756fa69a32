"""Admin and query API of the authorization service: our own tokens (OCPI 2.2.1 Token objects,
section 3.5 of the reference) are created, changed and read here.

Writes need the admin bearer token; they append `token.registered` to the token's stream and
answer once it is durable. Reads come from the `view_tokens_v2` projection, which the
projection runner fills a moment later."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evroam_authorization.handlers.commands import (
    RoamingTokenError,
    TokenNotFoundError,
    handle_patch_token,
    latest_token,
    register_token,
    token_stream,
)
from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.emi3 import validate_contract_id
from evroam_contracts.shared import EnergyContract, OcpiToken, ProfileType, TokenType, Whitelist
from evroam_runtime import require_admin

CountryCode = Annotated[str, Path(min_length=2, max_length=2, description="owner eMSP country")]
PartyId = Annotated[str, Path(min_length=3, max_length=3, description="owner eMSP party id")]
Uid = Annotated[str, Path(min_length=1, max_length=36, description="token uid (e.g. RFID UID)")]
TypeQuery = Annotated[TokenType, Query(alias="type", description="OCPI TokenType")]
_REQUIRED = ("contract_id", "issuer", "valid", "whitelist")


class OwnToken(OcpiToken):
    """One of our own tokens, whole: an OCPI 2.2.1 Token whose `contract_id` is an eMI3 contract
    id with its check digit (stored in its canonical form, `DE-8AA-CA2B3C4D5-L`)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("contract_id")
    @classmethod
    def _emi3(cls, value: str) -> str:
        return validate_contract_id(value)


class TokenPatch(BaseModel):
    """Some fields of a token (OCPI PATCH). The key (country_code, party_id, uid, type) cannot
    change; `last_updated` defaults to the time of the request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: str | None = Field(default=None, max_length=36)
    visual_number: str | None = Field(default=None, max_length=64)
    issuer: str | None = Field(default=None, max_length=64)
    group_id: str | None = Field(default=None, max_length=36)
    valid: bool | None = None
    whitelist: Whitelist | None = None
    language: str | None = Field(default=None, min_length=2, max_length=2)
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: datetime | None = None

    @field_validator(*_REQUIRED, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("a token always has this field; it cannot be set to null")
        return value

    @field_validator("contract_id")
    @classmethod
    def _emi3(cls, value: str | None) -> str | None:
        return None if value is None else validate_contract_id(value)


class TokenView(OcpiToken):
    """A token as the service knows it now: our own (`source` "own") or a roaming partner's."""

    source: str
    partner_id: str | None = None


class TokenWritten(BaseModel):
    """The token as recorded, and the version of its stream after the write."""

    version: int
    token: TokenView


def _refuse_mismatch(url: dict[str, str], body: OwnToken) -> None:
    """422, in FastAPI's validation shape, for every key field where URL and body differ."""
    errors = [
        {
            "loc": ["body", name],
            "msg": f"the body says {getattr(body, name)!r} but the URL says {value!r}",
            "type": "value_error.url_mismatch",
            "input": getattr(body, name),
        }
        for name, value in url.items()
        if str(getattr(body, name)).upper() != value.upper()
        or (name == "uid" and body.uid != value)
    ]
    if errors:
        raise RequestValidationError(errors)


def _view(version: int, token: TokenRegistered) -> TokenWritten:
    return TokenWritten(version=version, token=TokenView.model_validate(token.model_dump()))


def _filters(**given: Any) -> tuple[str, list[Any]]:
    clauses = {
        "country_code": "country_code = upper(%s)",
        "party_id": "party_id = upper(%s)",
        # contract ids compare as eMI3 does: case and separators aside
        "contract_id": "upper(replace(contract_id, '-', '')) = upper(replace(%s, '-', ''))",
        "valid": "valid = %s",
        "type": "type = %s",
    }
    used = {k: v for k, v in given.items() if v is not None}
    where = " AND ".join(clauses[k] for k in used)
    return (f" WHERE {where}" if where else ""), list(used.values())


def router(pool: AsyncConnectionPool, admin_token: str | None) -> APIRouter:
    api = APIRouter(tags=["tokens"])
    admin = [Depends(require_admin(admin_token))]
    errors: dict[int | str, dict[str, Any]] = {
        401: {"description": "admin bearer token missing or wrong"},
        409: {"description": "the token belongs to a roaming partner"},
    }

    @api.put(
        "/tokens/{country_code}/{party_id}/{uid}",
        dependencies=admin,
        response_model=TokenWritten,
        responses=errors,
    )
    async def put_token(
        country_code: CountryCode,
        party_id: PartyId,
        uid: Uid,
        body: OwnToken,
        token_type: TypeQuery = "RFID",
    ) -> TokenWritten:
        """Create or replace one of our own tokens (a full OCPI Token; the latest one wins).

        The URL and the body must name the same token, and `contract_id` must be an eMI3
        contract id with a correct check digit; otherwise 422 names the fields at fault. A
        roaming partner's token cannot be replaced here (409)."""
        url = {"country_code": country_code, "party_id": party_id, "uid": uid, "type": token_type}
        _refuse_mismatch(url, body)
        fields = body.model_dump() | {"country_code": country_code.upper()}
        token = TokenRegistered(**fields | {"party_id": party_id.upper(), "source": "own"})
        stream = token_stream(country_code, party_id, uid, token_type)
        async with pool.connection() as conn:
            _, latest = await latest_token(conn, stream)
            if latest is not None and latest.source != "own":
                raise HTTPException(409, f"token of roaming partner {latest.partner_id}")
            version = await register_token(conn, token)
        return _view(version, token)

    @api.patch(
        "/tokens/{country_code}/{party_id}/{uid}",
        dependencies=admin,
        response_model=TokenWritten,
        responses={**errors, 404: {"description": "no such token"}},
    )
    async def patch_one(
        country_code: CountryCode,
        party_id: PartyId,
        uid: Uid,
        body: TokenPatch,
        token_type: TypeQuery = "RFID",
    ) -> TokenWritten:
        """Change some fields of one of our own tokens, e.g. `{"valid": false}` to block it.

        `last_updated` defaults to now. 404 when no such token was registered; 409 for a
        roaming partner's token (it changes only through OCPI)."""
        stream = token_stream(country_code, party_id, uid, token_type)
        try:
            version, token = await handle_patch_token(
                pool, stream, body.model_dump(exclude_unset=True), datetime.now(UTC)
            )
        except TokenNotFoundError:
            raise HTTPException(404, "token not found") from None
        except RoamingTokenError as exc:
            raise HTTPException(409, f"token of roaming partner {exc}") from None
        return _view(version, token)

    @api.get(
        "/tokens/{country_code}/{party_id}/{uid}",
        response_model=TokenView,
        responses={404: {"description": "no such token (yet)"}},
    )
    async def get_token(
        country_code: CountryCode, party_id: PartyId, uid: Uid, token_type: TypeQuery = "RFID"
    ) -> dict[str, Any]:
        """One token as the read model holds it; a write shows here a moment after it."""
        where, args = _filters(country_code=country_code, party_id=party_id, type=token_type)
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(f"SELECT * FROM view_tokens_v2{where} AND uid = %s", [*args, uid])
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, "token not found")
        return row

    @api.get("/tokens", response_model=list[TokenView])
    async def list_tokens(
        response: Response,
        country_code: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
        party_id: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
        contract_id: Annotated[str | None, Query(max_length=36)] = None,
        valid: bool | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[dict[str, Any]]:
        """Tokens, own and roaming, ordered by their key; filters combine. `contract_id`
        matches whatever the case and separators. `X-Total-Count` is the number that match."""
        where, args = _filters(
            country_code=country_code, party_id=party_id, contract_id=contract_id, valid=valid
        )
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(f"SELECT count(*) AS n FROM view_tokens_v2{where}", args)
            total = await cur.fetchone()
            await cur.execute(
                f"SELECT * FROM view_tokens_v2{where}"
                " ORDER BY country_code, party_id, uid, type LIMIT %s OFFSET %s",
                [*args, limit, offset],
            )
            rows = await cur.fetchall()
        response.headers["X-Total-Count"] = str(total["n"] if total else 0)
        return rows

    @api.get("/remote-start-grants")
    async def list_grants(
        uid: Annotated[str, Query(min_length=1, max_length=36)],
        station_id: Annotated[str | None, Query(max_length=48)] = None,
    ) -> list[dict[str, Any]]:
        """Tokens eMSPs sent with START_SESSION or RESERVE_NOW commands, accepted at the
        station until `valid_until` (auth_method COMMAND): why a token we never saw was let
        charge. Newest first."""
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                "SELECT * FROM remote_start_grants WHERE uid = %s"
                " AND (%s::text IS NULL OR station_id = %s) ORDER BY received_at DESC",
                (uid, station_id, station_id),
            )
            return await cur.fetchall()

    return api
