"""A fake of the authorization service's token routes, in memory but over real HTTP, and an
endpoints file that points the `evroam` command at it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
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


def _handler(fake: FakeAuthorization) -> type[BaseHTTPRequestHandler]:
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
            status, body = fake.answer(request)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def authorization() -> Iterator[FakeAuthorization]:
    fake = FakeAuthorization()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def _endpoints_file(path: Path, authorization_url: str, admin_token: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "services": {"authorization": {"http_url": authorization_url}},
                "ocpp_url": "ws://127.0.0.1:1/ocpp",
                "admin_token": admin_token,
                "kafka_bootstrap_servers": "127.0.0.1:1",
            }
        )
    )
    return path


@pytest.fixture
def endpoints(tmp_path: Path, authorization: FakeAuthorization) -> Path:
    """An endpoints file for the fake, with the right admin token."""
    return _endpoints_file(tmp_path / "endpoints.json", authorization.url, ADMIN_TOKEN)


@pytest.fixture
def wrong_token_endpoints(tmp_path: Path, authorization: FakeAuthorization) -> Path:
    return _endpoints_file(tmp_path / "wrong.json", authorization.url, "not-the-admin-token")


@pytest.fixture
def nobody_endpoints(tmp_path: Path) -> Path:
    """An endpoints file whose authorization URL is a port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return _endpoints_file(tmp_path / "down.json", f"http://127.0.0.1:{port}", ADMIN_TOKEN)
