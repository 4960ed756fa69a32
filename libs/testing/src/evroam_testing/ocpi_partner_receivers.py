"""The Receiver side of the test eMSP (`OcpiPartner`): what a CPO pushes to it (OCPI 2.2.1
sections 3.1-3.4), kept for tests to look at. CDRs are POSTed to its CDRs Receiver (which
answers with a Location and can be told to fail), sessions and tariffs PUT, EVSE statuses
PATCHed, CommandResults POSTed to its response_urls. Also the OCPI wire helpers both sides
of the partner use."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

VERSION = "2.2.1"
Handler = Callable[[Request], Awaitable[Response]]


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(data: Any = None, status_code: int = 1000, message: str = "Success") -> bytes:
    body: dict[str, Any] = {"status_code": status_code, "status_message": message}
    if data is not None:
        body["data"] = data
    return json.dumps({**body, "timestamp": now_text()}).encode()


def auth_header(token: str) -> dict[str, str]:
    """OCPI 2.2.1 section 1.2: `Token base64(token)`."""
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def json_response(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def refused() -> Response:
    return json_response(envelope(None, 2000, "Unknown credentials token"), 401)


class ReceiverSide:
    """Mixed into OcpiPartner, which says where it listens and which token is ours."""

    def __init__(self) -> None:
        # CDRs Receiver (section 3.3): CDRs by id, every push with its headers (refused ones
        # too); `cdr_failures` pushes are answered 503 before it accepts again.
        self.cdrs: dict[str, dict[str, Any]] = {}
        self.cdr_pushes: list[dict[str, Any]] = []
        self.cdr_failures = 0
        # Sessions Receiver (section 3.2): the latest copy of each session, and every PUT.
        self.sessions: dict[str, dict[str, Any]] = {}
        self.session_puts: list[dict[str, Any]] = []
        # Locations Receiver (section 3.1): EVSE statuses PATCHed, in order, by
        # "location_id/evse_uid".
        self.evse_statuses: dict[str, list[str]] = {}
        # Tariffs Receiver (section 3.4): the latest copy of each tariff by id.
        self.tariffs: dict[str, dict[str, Any]] = {}
        # CommandResults POSTed to the response_urls of commands it sent (section 13),
        # by the uid ending each URL (see `response_url`).
        self.command_results: dict[str, dict[str, Any]] = {}

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    def _ours(self, request: Request) -> bool:
        raise NotImplementedError

    @property
    def emsp_url(self) -> str:
        return f"{self.base_url}/emsp/{VERSION}"

    @property
    def cdrs_url(self) -> str:
        return f"{self.emsp_url}/cdrs"

    @property
    def sessions_url(self) -> str:
        return f"{self.emsp_url}/sessions"

    @property
    def locations_url(self) -> str:
        return f"{self.emsp_url}/locations"

    def receiver_endpoints(self) -> list[dict[str, str]]:
        urls = {
            "cdrs": self.cdrs_url,
            "sessions": self.sessions_url,
            "locations": self.locations_url,
            "tariffs": f"{self.emsp_url}/tariffs",
        }
        return [{"identifier": m, "role": "RECEIVER", "url": u} for m, u in urls.items()]

    def receiver_routes(self) -> list[Route]:
        owned = "{cc}/{pid}"
        base = f"/ocpi/emsp/{VERSION}"
        return [
            Route(f"{base}/cdrs", self._receive_cdr, methods=["POST"]),
            Route(f"{base}/cdrs/{{cdr_id}}", self._guarded(self._stored_cdr), methods=["GET"]),
            Route(
                f"{base}/sessions/{owned}/{{session_id}}",
                self._guarded(self._receive_session),
                methods=["PUT"],
            ),
            Route(
                f"{base}/locations/{owned}/{{location_id}}/{{evse_uid}}",
                self._guarded(self._patch_evse),
                methods=["PATCH"],
            ),
            Route(
                f"{base}/tariffs/{owned}/{{tariff_id}}",
                self._guarded(self._receive_tariff),
                methods=["PUT"],
            ),
            Route(
                f"{base}/commands/{{command}}/{{uid}}",
                self._guarded(self._receive_command_result),
                methods=["POST"],
            ),
        ]

    def response_url(self, command: str) -> tuple[str, str]:
        """A fresh response_url for a command it sends, and the uid that ends it."""
        uid = str(uuid4())
        return f"{self.emsp_url}/commands/{command}/{uid}", uid

    def _guarded(self, handler: Handler) -> Handler:
        async def call(request: Request) -> Response:
            return await handler(request) if self._ours(request) else refused()

        return call

    async def _receive_cdr(self, request: Request) -> Response:
        """POST {cdrs}: keep the CDR, answer with where it is kept (Location)."""
        cdr = json.loads(await request.body())
        self.cdr_pushes.append({"cdr": cdr, "headers": dict(request.headers)})
        if not self._ours(request):
            return refused()
        if self.cdr_failures > 0:
            self.cdr_failures -= 1
            return json_response(envelope(None, 3000, "Temporarily unavailable"), 503)
        self.cdrs[cdr["id"]] = cdr
        response = json_response(envelope(None))
        response.headers["Location"] = f"{self.cdrs_url}/{cdr['id']}"
        return response

    async def _stored_cdr(self, request: Request) -> Response:
        cdr = self.cdrs.get(request.path_params["cdr_id"])
        if cdr is None:
            return json_response(envelope(None, 2004, "Unknown CDR"), 404)
        return json_response(envelope(cdr))

    async def _receive_session(self, request: Request) -> Response:
        """PUT {sessions}/{country_code}/{party_id}/{session_id}: the whole session."""
        session = json.loads(await request.body())
        self.session_puts.append({"session": session, "path": request.url.path})
        self.sessions[request.path_params["session_id"]] = session
        return json_response(envelope(None))

    async def _patch_evse(self, request: Request) -> Response:
        """PATCH {locations}/{cc}/{pid}/{location_id}/{evse_uid}: an EVSE's new status."""
        change = json.loads(await request.body())
        key = f"{request.path_params['location_id']}/{request.path_params['evse_uid']}"
        self.evse_statuses.setdefault(key, []).append(change["status"])
        return json_response(envelope(None))

    async def _receive_command_result(self, request: Request) -> Response:
        """POST {response_url}: the CPO's CommandResult (with the headers it came with)."""
        result = json.loads(await request.body())
        uid = request.path_params["uid"]
        self.command_results[uid] = {"result": result, "headers": dict(request.headers)}
        return json_response(envelope(None))

    async def _receive_tariff(self, request: Request) -> Response:
        """PUT {tariffs}/{country_code}/{party_id}/{tariff_id}: the whole tariff."""
        self.tariffs[request.path_params["tariff_id"]] = json.loads(await request.body())
        return json_response(envelope(None))
