"""The CPO side of the test partner (`OcpiPartner`) that our eMSP role talks to: a Commands
Receiver (OCPI 2.2.1 sections 3.6 and 6.2) that answers a scripted CommandResponse and then
POSTs a scripted CommandResult to the command's `response_url`, after a delay a test sets; a
Tokens Receiver (section 3.5) keeping the tokens we push; and a client for our Tokens Sender
(the list, and real-time authorization, section 6.1).

    partner.plays_cpo = True  # before register(): its version details offer both Receivers
    partner.scripted_responses["START_SESSION"] = {"result": "ACCEPTED", "timeout": 30}
    partner.scripted_results["START_SESSION"] = {"result": "ACCEPTED"}  # None: never sent
    partner.result_delay_s = 0.2
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from evroam_testing.ocpi_partner_receivers import VERSION, envelope, json_response, refused

ACCEPTED = {"result": "ACCEPTED", "timeout": 30}


class CommandsSide:
    """Mixed into OcpiPartner, which says where it listens, which token is ours (B), and
    sends requests to us with token C (`request`)."""

    def __init__(self) -> None:
        # Offered in the version details only when the partner plays a CPO.
        self.plays_cpo = False
        # Commands Receiver: every command received ({command, body, headers}), how each
        # command type is answered (a CommandResponse, optionally with "status_code"), the
        # CommandResult posted afterwards (None: none ever) and how long after.
        self.commands_received: list[dict[str, Any]] = []
        self.scripted_responses: dict[str, dict[str, Any]] = {}
        self.scripted_results: dict[str, dict[str, Any] | None] = {}
        self.result_delay_s = 0.0
        # What became of each CommandResult it posted: {url, body, status, answer}.
        self.result_posts: list[dict[str, Any]] = []
        # Tokens Receiver: the latest copy of each token by "cc/pid/uid/type", every push.
        self.pushed_tokens: dict[str, dict[str, Any]] = {}
        self.token_pushes: list[dict[str, Any]] = []
        self._result_tasks: set[asyncio.Task[None]] = set()
        self._result_posted = asyncio.Event()

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    def _ours(self, request: Request) -> bool:
        raise NotImplementedError

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        raise NotImplementedError

    our_endpoints: dict[tuple[str, str], str]

    # ---- the server ----------------------------------------------------------------------

    @property
    def cpo_url(self) -> str:
        return f"{self.base_url}/cpo/{VERSION}"

    def commands_endpoints(self) -> list[dict[str, str]]:
        if not self.plays_cpo:
            return []
        return [
            {"identifier": "commands", "role": "RECEIVER", "url": f"{self.cpo_url}/commands/"},
            {"identifier": "tokens", "role": "RECEIVER", "url": f"{self.cpo_url}/tokens/"},
        ]

    def commands_routes(self) -> list[Route]:
        base = f"/ocpi/cpo/{VERSION}"
        return [
            Route(f"{base}/commands/{{command}}", self._receive_command, methods=["POST"]),
            Route(
                f"{base}/tokens/{{cc}}/{{pid}}/{{uid}}",
                self._receive_token,
                methods=["PUT", "PATCH"],
            ),
        ]

    async def _receive_command(self, request: Request) -> Response:
        """POST {commands}/{command}: the scripted CommandResponse, then (for an ACCEPTED
        one) the scripted CommandResult to the response_url, in the background."""
        command = request.path_params["command"]
        body = json.loads(await request.body())
        self.commands_received.append(
            {"command": command, "body": body, "headers": dict(request.headers)}
        )
        if not self._ours(request):
            return refused()
        answer = dict(self.scripted_responses.get(command, ACCEPTED))
        status = answer.pop("status_code", 1000)
        result = self.scripted_results.get(command, {"result": "ACCEPTED"})
        if answer["result"] == "ACCEPTED" and result is not None:
            task = asyncio.create_task(self._post_result(body["response_url"], result))
            self._result_tasks.add(task)
            task.add_done_callback(self._result_tasks.discard)
        return json_response(envelope(answer, status, "Command received"))

    async def _post_result(self, url: str, result: dict[str, Any]) -> None:
        await asyncio.sleep(self.result_delay_s)
        post: dict[str, Any] = {"url": url, "body": result}
        try:
            response = await self.post_command_result(url, result)
            post |= {"status": response.status_code, "answer": response.json()}
        except Exception as exc:  # recorded for the test to see, never lost in a task
            post |= {"status": None, "answer": repr(exc)}
        self.result_posts.append(post)
        self._result_posted.set()

    async def results_posted(self, count: int = 1, timeout_s: float = 10.0) -> None:
        """Wait until `count` CommandResults have been posted (and answered)."""
        async with asyncio.timeout(timeout_s):
            while len(self.result_posts) < count:
                self._result_posted.clear()
                await self._result_posted.wait()

    async def _receive_token(self, request: Request) -> Response:
        """PUT (the whole token) or PATCH (some fields) {tokens}/{cc}/{pid}/{uid}?type=..."""
        body = json.loads(await request.body())
        type_ = request.query_params.get("type", "RFID")
        p = request.path_params
        self.token_pushes.append(
            {
                "method": request.method,
                "path": request.url.path,
                "type": type_,
                "body": body,
                "headers": dict(request.headers),
            }
        )
        if not self._ours(request):
            return refused()
        key = f"{p['cc']}/{p['pid']}/{p['uid']}/{type_}"
        held = self.pushed_tokens.get(key)
        if request.method == "PATCH":
            if held is None:
                return json_response(envelope(None, 2004, "Unknown token"), 404)
            body = {**held, **body}
        self.pushed_tokens[key] = body
        return json_response(envelope(None), 200 if held else 201)

    # ---- the client: our Tokens Sender and our response_url ------------------------------

    @property
    def our_tokens_url(self) -> str:
        """Our Tokens Sender (from our version details, learnt at register())."""
        url = self.our_endpoints.get(("tokens", "SENDER"))
        if url is None:
            raise RuntimeError("register() first: our Tokens Sender URL comes from it")
        return url

    async def list_tokens(self, url: str | None = None, **params: Any) -> httpx.Response:
        """GET our tokens list (section 1.8); `url`: a page's Link, followed as it is."""
        if url is not None:
            return await self.request("GET", url)
        return await self.request("GET", self.our_tokens_url, params=params)

    async def authorize_token(
        self, uid: str, type_: str | None = "RFID", location: dict[str, Any] | None = None
    ) -> httpx.Response:
        """POST {tokens}/{uid}/authorize[?type=...] with an optional LocationReferences."""
        url = f"{self.our_tokens_url.rstrip('/')}/{uid}/authorize"
        params = {"type": type_} if type_ else None
        return await self.request("POST", url, params=params, json=location)

    async def post_command_result(self, url: str, result: Any) -> httpx.Response:
        """POST a CommandResult (or anything a test wants to try) to a response_url."""
        return await self.request("POST", url, json=result)
