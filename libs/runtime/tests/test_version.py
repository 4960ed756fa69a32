"""Every service process says which version it runs: the installed version of its
distribution, on /healthz and in its OpenAPI document (the trace resource, the logs and
`evroam_build_info` on /metrics get the same value: test_metrics, libs/observability)."""

from __future__ import annotations

from importlib.metadata import version

import httpx

from evroam_runtime import ServiceHost, ServiceSettings, http_app
from evroam_runtime.version import UNKNOWN_VERSION, service_version


def test_a_service_reports_the_version_of_its_installed_distribution() -> None:
    installed = version("evroam-session")
    assert service_version("session") == installed
    assert installed != UNKNOWN_VERSION


def test_a_process_that_is_no_installed_service_reports_an_unknown_version() -> None:
    assert service_version("no-such-service") == "0+unknown"
    assert http_app("no-such-service", 1000).version == "0+unknown"


async def test_healthz_and_openapi_show_the_installed_version_of_the_service() -> None:
    host = ServiceHost("session", ServiceSettings())
    transport = httpx.ASGITransport(app=host.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://session") as http:
        health = await http.get("/healthz")
        openapi = await http.get("/openapi.json")
    installed = version("evroam-session")
    assert health.json() == {"status": "alive", "service": "session", "version": installed}
    assert openapi.json()["info"] == {"title": "evroam-session", "version": installed}
