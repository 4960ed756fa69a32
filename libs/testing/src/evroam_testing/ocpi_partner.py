"""A real OCPI 2.2.1 eMSP partner for tests: an HTTP server on 127.0.0.1 (Starlette on
uvicorn) serving versions, version details, credentials and the Tokens Sender's real-time
authorization, plus the Receivers a CPO pushes to (`ocpi_partner_receivers`), and a client
that registers with us, updates or ends that, and pushes tokens to our Receiver.

    async with OcpiPartner("DE", "TNM") as partner:
        await partner.register(our_versions_url, token_a)
        partner.answer("04A1B2C3", "ALLOWED", authorization_reference="ref-1")
        await partner.put_token(token)

`stop()` closes the port (the partner is down) and `start()` opens it again on the same port.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Any
from uuid import uuid4

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from evroam_testing.ocpi_partner_commands import CommandsSide
from evroam_testing.ocpi_partner_cpo import CpoSenderSide
from evroam_testing.ocpi_partner_receivers import (
    VERSION,
    ReceiverSide,
    auth_header,
    envelope,
    json_response,
    now_text,
    refused,
)


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave the test runner's signals alone
        yield


class OcpiPartnerError(RuntimeError):
    """The other side did not answer as OCPI says; the response is attached."""

    def __init__(self, message: str, response: httpx.Response) -> None:
        super().__init__(f"{message}: HTTP {response.status_code} {response.text[:500]}")
        self.response = response


class OcpiPartner(ReceiverSide, CommandsSide, CpoSenderSide):
    def __init__(self, country_code: str, party_id: str, business_name: str = "Partner eMSP"):
        super().__init__()
        CommandsSide.__init__(self)  # ReceiverSide does not chain to it
        CpoSenderSide.__init__(self)
        self.country_code, self.party_id = country_code.upper(), party_id.upper()
        self.business_name = business_name
        self.token_b = secrets.token_urlsafe(32)
        self.token_c: str | None = None
        self.stall_s = 0.0
        self.authorize_calls: list[dict[str, Any]] = []
        self.our_endpoints: dict[tuple[str, str], str] = {}
        self._answers: dict[str, dict[str, Any]] = {}
        self._port: int | None = None
        self._server: _Server | None = None
        self.our_party: tuple[str, str] | None = None
        self._serving: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None
        self._app = Starlette(routes=self._routes())

    # ---- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> OcpiPartner:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @property
    def http(self) -> httpx.AsyncClient:
        """One client for every call to us (building one per call costs a TLS context)."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=30)
        return self._http

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the partner has not been started")
        return f"http://127.0.0.1:{self._port}/ocpi"

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/versions"

    @property
    def running(self) -> bool:
        return self._serving is not None

    async def start(self) -> None:
        """Listen on 127.0.0.1, on a free port the first time and the same port after."""
        if self._serving is not None:
            return
        # Named IPPROTO_TCP, asyncio sets TCP_NODELAY on its connections (else ~40 ms a request).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port or 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, log_config=None, access_log=False, lifespan="off",
            timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = _Server(config)
        self._serving = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._serving.done():
                await self._serving  # raises why it could not start
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Close the port: calls to the partner are refused until `start()`."""
        if self._server is None or self._serving is None:
            return
        self._server.should_exit = True
        with suppress(asyncio.CancelledError):
            await self._serving
        self._server = self._serving = None

    # ---- how it answers ----------------------------------------------------------------------

    def answer(
        self,
        uid: str,
        allowed: str = "ALLOWED",
        *,
        location: dict[str, Any] | None = None,
        authorization_reference: str | None = None,
        token: dict[str, Any] | None = None,
    ) -> None:
        """How real-time authorization of `uid` is answered; an unknown uid gets 404/2004."""
        info: dict[str, Any] = {"allowed": allowed, "token": token or self.token(uid)}
        if location is not None:
            info["location"] = location
        if authorization_reference is not None:
            info["authorization_reference"] = authorization_reference
        self._answers[uid.upper()] = info

    def token(self, uid: str, type_: str = "RFID", **fields: Any) -> dict[str, Any]:
        """A complete OCPI Token of this eMSP (section 3.5)."""
        return {
            "country_code": self.country_code,
            "party_id": self.party_id,
            "uid": uid,
            "type": type_,
            "contract_id": f"{self.country_code}{self.party_id}C{uid}"[:36],
            "issuer": self.business_name,
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": now_text(),
            **fields,
        }

    # ---- the server ----------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        return [
            Route("/ocpi/versions", self._versions),
            Route(f"/ocpi/{VERSION}", self._details),
            Route(f"/ocpi/{VERSION}/credentials", self._credentials, methods=["GET"]),
            Route(
                f"/ocpi/emsp/{VERSION}/tokens/{{uid}}/authorize", self._authorize, methods=["POST"]
            ),
            *self.receiver_routes(),
            *self.commands_routes(),
            *self.sender_routes(),
        ]

    def _ours(self, request: Request) -> bool:
        """We gave token B to the CPO: that is the token it must present."""
        return request.headers.get("authorization") == auth_header(self.token_b)["Authorization"]

    async def _versions(self, request: Request) -> Response:
        if not self._ours(request):
            return refused()
        return json_response(envelope([{"version": VERSION, "url": f"{self.base_url}/{VERSION}"}]))

    async def _details(self, request: Request) -> Response:
        if not self._ours(request):
            return refused()
        endpoints = [
            {"identifier": "credentials", "role": "SENDER", "url": self._credentials_url},
            {"identifier": "tokens", "role": "SENDER", "url": self.tokens_url},
            *self.receiver_endpoints(),
            *self.commands_endpoints(),
            *self.sender_endpoints(),
        ]
        return json_response(envelope({"version": VERSION, "endpoints": endpoints}))

    @property
    def _credentials_url(self) -> str:
        return f"{self.base_url}/{VERSION}/credentials"

    @property
    def tokens_url(self) -> str:
        return f"{self.base_url}/emsp/{VERSION}/tokens"

    def credentials(self) -> dict[str, Any]:
        """What it posts to register: token B, its versions URL, its role (EMSP, or CPO when
        it plays one)."""
        role = {
            "role": "CPO" if self.plays_cpo else "EMSP",
            "business_details": {"name": self.business_name},
            "party_id": self.party_id,
            "country_code": self.country_code,
        }
        return {"token": self.token_b, "url": self.versions_url, "roles": [role]}

    async def _credentials(self, request: Request) -> Response:
        if not self._ours(request):
            return refused()
        return json_response(envelope({**self.credentials(), "token": self.token_c or ""}))

    async def _authorize(self, request: Request) -> Response:
        raw = await request.body()
        uid = request.path_params["uid"]
        self.authorize_calls.append(
            {
                "uid": uid,
                "type": request.query_params.get("type", "RFID"),
                "body": json.loads(raw) if raw else None,
                "headers": dict(request.headers),
            }
        )
        if not self._ours(request):
            return refused()
        if self.stall_s:
            await asyncio.sleep(self.stall_s)
        info = self._answers.get(uid.upper())
        if info is None:
            return json_response(envelope(None, 2004, "Unknown token"), 404)
        return json_response(envelope(info))

    # ---- the client ----------------------------------------------------------------------

    async def register(self, our_versions_url: str, token_a: str) -> None:
        """The handshake from the initiator's side (section 2.3 steps 2-4, 7)."""
        http = self.http
        versions = await self._data(http, "GET", our_versions_url, token_a)
        [details_url] = [v["url"] for v in versions if v["version"] == VERSION]
        details = await self._data(http, "GET", details_url, token_a)
        self.our_endpoints = {(e["identifier"], e["role"]): e["url"] for e in details["endpoints"]}
        url = self.our_endpoints[("credentials", "SENDER")]
        ours = await self._data(http, "POST", url, token_a, json=self.credentials())
        self.token_c = ours["token"]
        role = ours["roles"][0]
        self.our_party = (role["country_code"], role["party_id"])

    async def update_credentials(self) -> None:
        """Section 2.4 from the partner's side: a new token B for us, sent with PUT; we answer
        with a new token C, and the partner's previous tokens stop working."""
        if self.token_c is None:
            raise RuntimeError("register() first")
        url = self.our_endpoints[("credentials", "SENDER")]
        self.token_b = secrets.token_urlsafe(32)
        ours = await self._data(self.http, "PUT", url, self.token_c, json=self.credentials())
        self.token_c = ours["token"]

    async def unregister(self) -> None:
        """Section 2.5 from the partner's side: DELETE our credentials."""
        if self.token_c is None:
            raise RuntimeError("register() first")
        url = self.our_endpoints[("credentials", "SENDER")]
        await self._data(self.http, "DELETE", url, self.token_c)

    async def _data(
        self, http: httpx.AsyncClient, method: str, url: str, token: str, **kw: Any
    ) -> Any:
        response = await http.request(method, url, headers=self._headers(token), **kw)
        if response.status_code != 200 or response.json().get("status_code") != 1000:
            raise OcpiPartnerError(f"{method} {url}", response)
        return response.json().get("data")  # absent when there is nothing to answer

    def _headers(self, token: str, to: tuple[str, str] | None = None) -> dict[str, str]:
        headers = {**auth_header(token), "X-Request-ID": str(uuid4())}
        headers["X-Correlation-ID"] = str(uuid4())
        if to is not None:
            headers |= {
                "OCPI-from-country-code": self.country_code,
                "OCPI-from-party-id": self.party_id,
                "OCPI-to-country-code": to[0],
                "OCPI-to-party-id": to[1],
            }
        return headers

    def token_url(self, country_code: str, party_id: str, uid: str) -> str:
        """Our Tokens Receiver URL of one token (from our version details)."""
        receiver = self.our_endpoints.get(("tokens", "RECEIVER"))
        if receiver is None or self.token_c is None:
            raise RuntimeError("register() first: the Tokens Receiver URL comes from it")
        return f"{receiver.rstrip('/')}/{country_code}/{party_id}/{uid}"

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """Any call to us with token C and the message and routing headers."""
        assert self.token_c is not None, "register() first"
        headers = self._headers(self.token_c, self.our_party)
        return await self.http.request(method, url, headers=headers, **kw)

    async def put_token(self, token: dict[str, Any]) -> httpx.Response:
        url = self.token_url(token["country_code"], token["party_id"], token["uid"])
        return await self.request("PUT", url, params={"type": token["type"]}, json=token)

    async def patch_token(
        self,
        country_code: str,
        party_id: str,
        uid: str,
        patch: dict[str, Any],
        type: str = "RFID",
    ) -> httpx.Response:
        url = self.token_url(country_code, party_id, uid)
        return await self.request("PATCH", url, params={"type": type}, json=patch)
