"""The partner's side of its one OCPI connection with our service, shared by the eMSP and the
CPO built from extrawest-ocpi (`py_ocpi`): the state of the connection (our token B, the token
C we got, our endpoints and party), the credentials token the library's server accepts, how the
partner calls us (the library has no OCPI client but its push), the registration and credentials
steps under `/driver`, and serving the library's application on the socket the suite bound.

Every body is built with the library's models and every answer checked with them, so a
mismatch is reported, never smoothed over.
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
from fastapi import APIRouter, Body, FastAPI
from py_ocpi.core.authentication.authenticator import (  # type: ignore[import-not-found]
    Authenticator,
)
from py_ocpi.core.config import settings  # type: ignore[import-not-found]
from py_ocpi.core.schemas import OCPIResponse  # type: ignore[import-not-found]
from py_ocpi.modules.credentials.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    Credentials,
)
from py_ocpi.modules.versions.enums import VersionNumber  # type: ignore[import-not-found]
from py_ocpi.modules.versions.schemas import Version  # type: ignore[import-not-found]
from py_ocpi.modules.versions.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    VersionDetail,
)

V221 = VersionNumber.v_2_2_1
ME = {"country_code": settings.COUNTRY_CODE, "party_id": settings.PARTY_ID}
OWN_VERSIONS = f"{settings.PROTOCOL}://{settings.OCPI_HOST}/{settings.OCPI_PREFIX}/versions"
STATE: dict[str, Any] = {"token_b": secrets.token_urlsafe(32)}


class Tokens(Authenticator):  # type: ignore[misc]
    """The library checks every call to us; our service must present the token B we gave it."""

    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return [STATE["token_b"]]

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return []


def headers(token: str, routed: bool = False) -> dict[str, str]:
    """Section 1.2 (Base64) and 1.4; routing headers on functional modules only (1.5)."""
    request_id = str(uuid.uuid4())
    sent = {"Authorization": f"Token {base64.b64encode(token.encode()).decode()}"}
    sent |= {"X-Request-ID": request_id, "X-Correlation-ID": request_id}
    if routed:
        to = STATE["peer"]
        sent |= {"OCPI-from-country-code": ME["country_code"], "OCPI-from-party-id": ME["party_id"]}
        sent |= {"OCPI-to-country-code": to[0], "OCPI-to-party-id": to[1]}
    return sent


async def call(
    method: str, url: str, token: str | None = None, *, routed: bool = False, **kw: Any
) -> tuple[httpx.Response, Any]:
    """One request to our service (with token C unless told); the envelope is checked with
    the library's OCPIResponse."""
    sent = headers(token or STATE["token_c"], routed)
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
    """Our endpoint URL for a module and interface, as our version details gave it."""
    [url] = [e.url for e in STATE["endpoints"] if (e.identifier, e.role) == (identifier, role)]
    return str(url)


def reported(step: Callable[..., Awaitable[dict[str, Any]]]) -> Callable[..., Any]:
    """A failed step answers why (the library's middleware would turn it into OCPI 3000)."""

    @functools.wraps(step)
    async def run(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await step(*args, **kwargs)
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}

    return run


def registration(role: Any, name: str) -> APIRouter:
    """The client steps of sections 2.3-2.5 under /driver, the partner registering as `role`."""
    driver = APIRouter(prefix="/driver")

    def credentials() -> Any:
        roles = [{"role": role, "business_details": {"name": name}, **ME}]
        return Credentials(token=STATE["token_b"], url=OWN_VERSIONS, roles=roles)

    async def exchange(method: str, token: str) -> dict[str, Any]:
        body = credentials().dict()
        response, answer = await call(method, endpoint("credentials", "SENDER"), token, json=body)
        if answer.status_code != 1000:
            return outcome(response, answer)
        theirs = Credentials.parse_obj(answer.data)
        STATE["token_c"] = theirs.token
        STATE["peer"] = (theirs.roles[0].country_code, theirs.roles[0].party_id)
        return {**outcome(response, answer), **theirs.dict()}

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
        return await exchange("POST", token_a)

    @driver.put("/credentials")
    @reported
    async def update_credentials() -> dict[str, Any]:
        """Section 2.4: a new token B for us, sent with PUT; a new token C back."""
        STATE["token_b"] = secrets.token_urlsafe(32)
        return await exchange("PUT", STATE["token_c"])

    @driver.delete("/credentials")
    @reported
    async def unregister() -> dict[str, Any]:
        """Section 2.5: DELETE on our credentials with token C."""
        response, answer = await call("DELETE", endpoint("credentials", "SENDER"))
        return outcome(response, answer)

    return driver


def serve(app: FastAPI) -> None:
    """Run `app` on the listening socket the suite handed over (PARTNER_FD)."""
    sock = socket.socket(fileno=int(os.environ["PARTNER_FD"]))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))
