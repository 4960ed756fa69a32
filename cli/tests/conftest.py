"""Fakes of the services' admin APIs, in memory but over real HTTP (`serve_json`), and endpoints
files that point the `evroam` command at them (`write_endpoints`); the authorization service's
token routes are faked here, for test_tokens_command."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from evroam_contracts.emi3 import InvalidContractIdError, validate_contract_id

ADMIN_TOKEN = "cli-test-admin-token"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None


@dataclass
class FakeAuthorization:
    """Tokens by (country_code, party_id, uid, type); every request it received."""

    tokens: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def answer(self, request: Request) -> tuple[int, Any]:
        self.requests.append(request)
        if request.method != "GET" and request.authorization != f"Bearer {ADMIN_TOKEN}":
            return 401, {"detail": "admin token missing or wrong"}
        if request.path == "/tokens":
            return 200, list(self.tokens.values())
        key = (*request.path.removeprefix("/tokens/").split("/"), request.query.get("type", "RFID"))
        return getattr(self, request.method.lower())(key, request.body)

    def put(self, key: tuple[str, ...], body: dict[str, Any]) -> tuple[int, Any]:
        try:
            body["contract_id"] = validate_contract_id(body["contract_id"])
        except InvalidContractIdError as exc:
            fault = {"loc": ["body", "contract_id"], "msg": f"Value error, {exc}", "type": "x"}
            return 422, {"detail": [fault]}
        self.tokens[key] = body | {"source": "own"}
        return 200, {"version": 1, "token": self.tokens[key]}

    def patch(self, key: tuple[str, ...], body: dict[str, Any]) -> tuple[int, Any]:
        if key not in self.tokens:
            return 404, {"detail": "token not found"}
        self.tokens[key] |= body
        return 200, {"version": 2, "token": self.tokens[key]}

    def get(self, key: tuple[str, ...], _: Any) -> tuple[int, Any]:
        found = self.tokens.get(key)
        return (200, found) if found else (404, {"detail": "token not found"})


Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]  # status, JSON body[, headers]
Serve = Callable[[Callable[[Request], Answer]], str]


def _handler(answer: Callable[[Request], Answer]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                self.command,
                unquote(url.path),
                {k: v[0] for k, v in parse_qs(url.query).items()},
                json.loads(raw) if raw else None,
                self.headers.get("Authorization"),
            )
            status, body, *headers = answer(request)
            data = b"" if status == 204 else json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **dict(*headers)}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def serve_json() -> Iterator[Serve]:
    """Serves a fake service's `answer` over real HTTP on a free local port until the test
    ends; gives its URL."""
    servers: list[ThreadingHTTPServer] = []

    def serve(answer: Callable[[Request], Answer]) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(answer))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def authorization(serve_json: Serve) -> FakeAuthorization:
    fake = FakeAuthorization()
    fake.url = serve_json(fake.answer)
    return fake


@pytest.fixture
def write_endpoints(tmp_path: Path) -> Callable[..., Path]:
    """Writes endpoints file `name` giving each service's HTTP URL (`services`), the admin
    token and any other field; its path."""

    def write(name: str, services: dict[str, str], token: str = ADMIN_TOKEN, **more: str) -> Path:
        path = tmp_path / name
        data = {"services": {s: {"http_url": url} for s, url in services.items()}}
        data |= {"ocpp_url": "ws://127.0.0.1:1/ocpp", "admin_token": token}
        path.write_text(json.dumps(data | {"kafka_bootstrap_servers": "127.0.0.1:1", **more}))
        return path

    return write


@pytest.fixture
def silent_url() -> str:
    """The URL of a local port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def endpoints(write_endpoints: Callable[..., Path], authorization: FakeAuthorization) -> Path:
    """An endpoints file for the fake, with the right admin token."""
    return write_endpoints("endpoints.json", {"authorization": authorization.url})


@pytest.fixture
def wrong_token_endpoints(
    write_endpoints: Callable[..., Path], authorization: FakeAuthorization
) -> Path:
    return write_endpoints(
        "wrong.json", {"authorization": authorization.url}, token="not-the-admin-token"
    )


@pytest.fixture
def nobody_endpoints(write_endpoints: Callable[..., Path], silent_url: str) -> Path:
    """An endpoints file whose authorization URL is a port where nothing listens."""
    return write_endpoints("down.json", {"authorization": silent_url})
