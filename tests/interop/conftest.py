"""The interop suite's fixtures: our roaming service exactly as its own integration tests serve
it (their fixtures, imported from their conftest files rather than copied), and an eMSP and a
CPO built from the third-party library extrawest-ocpi, each running in a process of its own,
in an environment of their own (partner/: the pinned, hashed requirements and the programs)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTNER = Path(__file__).parent / "partner"


def _fixtures_of(path: Path, name: str) -> ModuleType:
    """Load a conftest outside our directory: pytest only shares fixtures down a tree."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_builders = _fixtures_of(ROOT / "services/roaming/tests/conftest.py", "evroam_interop_builders")
_roaming = _fixtures_of(
    ROOT / "services/roaming/tests/integration/conftest.py", "evroam_interop_roaming"
)
# Re-exported: pytest registers the fixtures it finds in this module.
make_cdr = _builders.make_cdr
database_url, pool, serve_roaming = _roaming.database_url, _roaming.pool, _roaming.serve_roaming
roaming, issue, deliver = _roaming.roaming, _roaming.issue, _roaming.deliver
cdr_envelope, unstarted_producer = _roaming.cdr_envelope, _roaming.unstarted_producer
kafka, feed, own_token = _roaming.kafka, _roaming.feed, _roaming.own_token


@pytest.fixture(scope="session")
def partner_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the partner's requirements (from uv's cache after once)."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.fail("uv (as `make test` runs it) is needed to build the partner's environment")
    venv = tmp_path_factory.mktemp("interop") / "venv"
    python = venv / "bin" / "python"
    install = [uv, "pip", "install", "--quiet", "--require-hashes", "--python", str(python)]
    for command in (
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [*install, "-r", str(PARTNER / "requirements.txt")],
    ):
        done = subprocess.run(command, cwd=venv.parent, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stderr}"
    return python


@dataclass
class Partner:
    """A partner built from the library: its OCPI server at `url`, its client steps under
    /driver (partner/connection.py and the program's own). It starts while the test's other
    fixtures are set up (ask for it first); its first step waits until it is up."""

    country_code: str
    party_id: str
    url: str
    http: httpx.AsyncClient
    log: Path
    started: asyncio.Task[None]

    async def drive(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        await self.started
        response = await self.http.request(method, f"/driver/{path}", **kw)
        assert response.status_code == 200, f"{response.text}\n{_tail(self.log)}"
        answer: dict[str, Any] = response.json()
        assert "error" not in answer, f"{answer['error']}\n{_tail(self.log)}"
        return answer

    async def register(self, versions_url: str, token_a: str) -> dict[str, Any]:
        body = {"versions_url": versions_url, "token_a": token_a}
        return await self.drive("POST", "register", json=body)


@pytest.fixture
async def emsp(partner_python: Path, tmp_path: Path) -> AsyncIterator[Partner]:
    """The library as eMSP DE*TNM (partner/emsp.py)."""
    async with _running(partner_python, tmp_path, "emsp.py", "DE", "TNM") as partner:
        yield partner


@pytest.fixture
async def cpo(partner_python: Path, tmp_path: Path) -> AsyncIterator[Partner]:
    """The library as CPO BE*BEC, the spec examples' owner (partner/cpo.py)."""
    async with _running(partner_python, tmp_path, "cpo.py", "BE", "BEC") as partner:
        yield partner


@contextlib.asynccontextmanager
async def _running(
    python: Path, tmp_path: Path, program: str, country_code: str, party_id: str
) -> AsyncIterator[Partner]:
    """The partner program on a free port of 127.0.0.1 that we bind for it."""
    # Named IPPROTO_TCP, asyncio sets TCP_NODELAY on its connections (else ~40 ms a request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PARTNER_FD": str(sock.fileno()),
        "PROTOCOL": "http",
        "OCPI_HOST": url.removeprefix("http://"),
        "COUNTRY_CODE": country_code,
        "PARTY_ID": party_id,
    }
    log = tmp_path / f"{program}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            str(python), str(PARTNER / program),
            env=env, cwd=tmp_path, pass_fds=[sock.fileno()], stdout=out, stderr=out,
        )  # fmt: skip
    sock.close()  # the partner holds its own copy
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            started = asyncio.create_task(_ready(http, process, log))
            try:
                yield Partner(country_code, party_id, url, http, log, started)
            finally:
                started.cancel()  # what it raised, its test has seen
                with contextlib.suppress(
                    asyncio.CancelledError, TimeoutError, pytest.fail.Exception
                ):
                    await started
    finally:
        process.terminate()
        await process.wait()


async def _ready(http: httpx.AsyncClient, process: asyncio.subprocess.Process, log: Path) -> None:
    async with asyncio.timeout(20):
        while True:
            if process.returncode is not None:
                pytest.fail(f"the partner exited:\n{_tail(log)}")
            try:
                if (await http.get("/driver/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)


def _tail(log: Path) -> str:
    """The end of the partner's log, for a failure's message."""
    return log.read_text(errors="replace")[-3000:]
