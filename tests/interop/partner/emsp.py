"""An eMSP partner built from the third-party library extrawest-ocpi (`py_ocpi`, MIT), run by
the interop suite in its own environment (requirements.txt: pydantic 1, FastAPI 0.101), never
imported by the tests.

Its OCPI server is the library's own application (`py_ocpi.get_application`): versions, version
details, credentials, the Tokens Sender (list and real-time `authorize`) and the CDRs Receiver,
with the library's authentication. This file only gives it storage (`Store`), the credentials
token it accepts (`Tokens`) and, under `/driver`, the client steps an eMSP takes towards a CPO
(the library has no OCPI client but its push): each request body is built with the library's
models and every answer is checked with them, so a mismatch is reported, never smoothed over.

Environment: PARTNER_FD (a listening socket), OCPI_HOST, PROTOCOL, COUNTRY_CODE, PARTY_ID.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import secrets
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import httpx
import uvicorn
from fastapi import APIRouter, Body
from py_ocpi import get_application  # type: ignore[import-not-found]  # own venv only
from py_ocpi.core.adapter import BaseAdapter  # type: ignore[import-not-found]
from py_ocpi.core.authentication.authenticator import (  # type: ignore[import-not-found]
    Authenticator,
)
from py_ocpi.core.config import settings  # type: ignore[import-not-found]
from py_ocpi.core.enums import Action, ModuleID, RoleEnum  # type: ignore[import-not-found]
from py_ocpi.core.push import push_object  # type: ignore[import-not-found]
from py_ocpi.core.schemas import OCPIResponse, Push  # type: ignore[import-not-found]
from py_ocpi.modules.cdrs.v_2_2_1.schemas import Cdr  # type: ignore[import-not-found]
from py_ocpi.modules.credentials.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    Credentials,
)
from py_ocpi.modules.tokens.v_2_2_1.schemas import Token  # type: ignore[import-not-found]
from py_ocpi.modules.versions.enums import VersionNumber  # type: ignore[import-not-found]
from py_ocpi.modules.versions.schemas import Version  # type: ignore[import-not-found]
from py_ocpi.modules.versions.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    VersionDetail,
)

V221 = VersionNumber.v_2_2_1
ME = {"country_code": settings.COUNTRY_CODE, "party_id": settings.PARTY_ID}
OWN_VERSIONS = f"{settings.PROTOCOL}://{settings.OCPI_HOST}/{settings.OCPI_PREFIX}/versions"
STATE: dict[str, Any] = {"token_b": secrets.token_urlsafe(32), "tokens": {}, "cdrs": {}}


class Tokens(Authenticator):  # type: ignore[misc]
    """The library checks every call to us; the CPO must present the token B we gave it."""

    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return [STATE["token_b"]]

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return []


class Store:
    """The library's Crud interface, in memory: our tokens, the CDRs pushed to us."""

    @classmethod
    async def get(cls, module: Any, role: Any, id: Any, *args: Any, **kwargs: Any) -> Any:
        return STATE["tokens" if module == ModuleID.tokens else "cdrs"].get(str(id).upper())

    @classmethod
    async def list(cls, module: Any, role: Any, filters: Any, *a: Any, **k: Any) -> Any:
        items = list(STATE["tokens"].values())
        return items[filters["offset"] : filters["offset"] + filters["limit"]], len(items), True

    @classmethod
    async def create(cls, module: Any, role: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        STATE["cdrs"][str(data["id"]).upper()] = data
        return data

    @classmethod
    async def do(cls, module: Any, role: Any, action: Any, *a: Any, **kw: Any) -> Any:
        if action != Action.authorize_token:
            return None
        token = STATE["tokens"][str(kw["data"]["token_uid"]).upper()]
        return {"allowed": "ALLOWED", "token": token, "authorization_reference": "interop-1"}


def headers(token: str, to: tuple[str, str] | None = None) -> dict[str, str]:
    request_id = str(uuid.uuid4())
    sent = {"Authorization": f"Token {base64.b64encode(token.encode()).decode()}"}
    sent |= {"X-Request-ID": request_id, "X-Correlation-ID": request_id}
    if to is not None:
        sent |= {"OCPI-from-country-code": ME["country_code"], "OCPI-from-party-id": ME["party_id"]}
        sent |= {"OCPI-to-country-code": to[0], "OCPI-to-party-id": to[1]}
    return sent


async def call(
    method: str, url: str, token: str, *, routed: bool = False, **kw: Any
) -> tuple[httpx.Response, Any]:
    """One request to the CPO (routing headers on functional modules only, section 1.5); the
    envelope is checked with the library's OCPIResponse."""
    sent = headers(token, STATE["cpo"] if routed else None)
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.request(method, url, headers=sent, **kw)
    body = response.json()
    # OCPIResponse requires `data`; section 1.6 lets a server leave it out when it has nothing
    # to return (our service does), so its absence is checked as an empty list, and reported.
    STATE["data_sent"] = "data" in body
    return response, OCPIResponse.parse_obj({"data": [], **body})


def outcome(response: httpx.Response, answer: Any) -> dict[str, Any]:
    return {"http_status": response.status_code, "status_code": answer.status_code} | {
        "data_sent": STATE["data_sent"]
    }


def endpoint(identifier: str, role: str) -> str:
    [url] = [e.url for e in STATE["endpoints"] if (e.identifier, e.role) == (identifier, role)]
    return str(url)


def my_credentials() -> Any:
    role = {"role": RoleEnum.emsp, "business_details": {"name": "Interop eMSP"}, **ME}
    return Credentials(token=STATE["token_b"], url=OWN_VERSIONS, roles=[role])


def reported(step: Callable[..., Awaitable[dict[str, Any]]]) -> Callable[..., Any]:
    """A failed step answers why (the library's middleware would turn it into OCPI 3000)."""

    @functools.wraps(step)
    async def run(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await step(*args, **kwargs)
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}

    return run


driver = APIRouter(prefix="/driver")


@driver.get("/ready")
async def ready() -> dict[str, Any]:
    return {"versions_url": OWN_VERSIONS, "token_b": STATE["token_b"]}


@driver.post("/register")
@reported
async def register(
    versions_url: Annotated[str, Body()], token_a: Annotated[str, Body()]
) -> dict[str, Any]:
    """Section 2.3 steps 2-4 and 7, as the initiator."""
    _, versions = await call("GET", versions_url, token_a)
    [chosen] = [v for v in map(Version.parse_obj, versions.data) if v.version == V221]
    _, details = await call("GET", chosen.url, token_a)
    STATE["endpoints"] = VersionDetail.parse_obj(details.data).endpoints
    STATE["details_url"] = chosen.url
    return await _exchange("POST", token_a)


@driver.put("/credentials")
@reported
async def update_credentials() -> dict[str, Any]:
    """Section 2.4: a new token B for the CPO, sent with PUT; a new token C back."""
    STATE["token_b"] = secrets.token_urlsafe(32)
    return await _exchange("PUT", STATE["token_c"])


async def _exchange(method: str, token: str) -> dict[str, Any]:
    body = my_credentials().dict()
    response, answer = await call(method, endpoint("credentials", "SENDER"), token, json=body)
    if answer.status_code != 1000:
        return outcome(response, answer)
    theirs = Credentials.parse_obj(answer.data)
    STATE["token_c"] = theirs.token
    STATE["cpo"] = (theirs.roles[0].country_code, theirs.roles[0].party_id)
    return {**outcome(response, answer), **theirs.dict()}


@driver.delete("/credentials")
@reported
async def unregister() -> dict[str, Any]:
    """Section 2.5: DELETE on the CPO's credentials with token C."""
    response, answer = await call("DELETE", endpoint("credentials", "SENDER"), STATE["token_c"])
    return outcome(response, answer)


@driver.post("/pull-cdrs")
@reported
async def pull_cdrs(limit: Annotated[int, Body(embed=True)]) -> dict[str, Any]:
    """Section 1.8: GET the CDRs Sender, follow `Link: <..>; rel="next"` to the end."""
    url: str | None = f"{endpoint('cdrs', 'SENDER')}?limit={limit}"
    pages: list[dict[str, Any]] = []
    cdrs: list[dict[str, Any]] = []
    while url is not None and len(pages) < 20:
        response, answer = await call("GET", url, STATE["token_c"], routed=True)
        cdrs += [Cdr.parse_obj(cdr).dict() for cdr in answer.data]
        page = {"http_status": response.status_code, "count": len(answer.data)}
        pages.append(page | {k: response.headers.get(k) for k in ("X-Total-Count", "X-Limit")})
        url = response.links.get("next", {}).get("url")
    return {"pages": pages, "cdrs": cdrs}


@driver.put("/tokens/{uid}")
@reported
async def put_token(uid: str, fields: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Build the Token with the library's model and PUT it at `{tokens}/{cc}/{pid}/{uid}`."""
    token = Token(**ME, uid=uid, **fields)
    STATE["tokens"][uid.upper()] = token.dict()
    url = f"{endpoint('tokens', 'RECEIVER').rstrip('/')}/{ME['country_code']}/{ME['party_id']}"
    response, answer = await call(
        "PUT", f"{url}/{uid}", STATE["token_c"], routed=True, json=token.dict()
    )
    return outcome(response, answer)


@driver.get("/tokens/{uid}")
@reported
async def get_token(uid: str) -> dict[str, Any]:
    url = f"{endpoint('tokens', 'RECEIVER').rstrip('/')}/{ME['country_code']}/{ME['party_id']}"
    response, answer = await call("GET", f"{url}/{uid}", STATE["token_c"], routed=True)
    found = Token.parse_obj(answer.data).dict() if answer.status_code == 1000 else None
    return outcome(response, answer) | {"token": found}


@driver.post("/push/tokens/{uid}")
@reported
async def push_token(uid: str) -> dict[str, Any]:
    """The library's own push (core.push): it finds our Tokens Receiver and PUTs the token."""
    receiver = {"endpoints_url": STATE["details_url"], "auth_token": STATE["token_c"]}
    push = Push(module_id=ModuleID.tokens, object_id=uid, receivers=[receiver])
    result = await push_object(V221, push, Store, BaseAdapter)
    return dict(result.dict()["receiver_responses"][0])


def main() -> None:
    app = get_application(
        version_numbers=[V221],
        roles=[RoleEnum.emsp],
        crud=Store,
        modules=[ModuleID.credentials_and_registration, ModuleID.tokens, ModuleID.cdrs],
        authenticator=Tokens,
    )
    app.include_router(driver)
    sock = socket.socket(fileno=int(os.environ["PARTNER_FD"]))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    main()
